#include "chat/loop_inbox.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <string>
#include <vector>

using namespace tidecast::chat;

namespace {
struct Recorder : LoopMember {
  std::vector<std::string>* log;
  std::string name;
  Recorder(std::vector<std::string>* l, std::string n) : log(l), name(std::move(n)) {}
  void take_on_loop(Frame frame) override { log->push_back(name + ":" + *frame); }
};
Frame frame(const char* text) {
  return std::make_shared<const std::string>(text);
}
}  // namespace

TEST_CASE("loop inbox: a broadcast is one task on the loop, in order, before later posts") {
  boost::asio::io_context loop;
  LoopInboxes inboxes;
  const auto inbox = inboxes.for_loop(loop.get_executor());
  CHECK(inboxes.for_loop(loop.get_executor()) == inbox);  // one per loop

  std::vector<std::string> log;
  auto a = std::make_shared<Recorder>(&log, "a");
  auto b = std::make_shared<Recorder>(&log, "b");
  inbox->add(a, frame("1"));
  inbox->add(b, frame("1"));
  inbox->add(a, frame("2"));
  boost::asio::post(loop, [&] { log.push_back("close a"); });  // e.g. an eviction posted afterwards
  CHECK(log.empty());                                          // nothing runs off the loop
  CHECK(loop.poll_one() == 1);                                 // the whole batch in one task
  CHECK(log == std::vector<std::string>{"a:1", "b:1", "a:2"});
  loop.poll();
  CHECK(log.back() == "close a");

  // A later frame starts a new batch.
  inbox->add(b, frame("3"));
  loop.restart();
  CHECK(loop.poll() == 1);
  CHECK(log.back() == "b:3");
}

#pragma once
// Frames on their way to the chat connections of one event loop. A broadcast
// to thousands of members would otherwise post one task per member across
// threads (an allocation, a type-erased executor and a queue operation each);
// here the frames for every member on a loop are appended under a short lock
// and one task per loop delivers them all. Order per member is kept: a frame
// added before a later post to the same loop is delivered before that post
// runs (the drain task is posted when the first frame of a batch arrives).
#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "chat/outbound_queue.hpp"

namespace tidecast::chat {

// A connection that takes frames on its own loop.
class LoopMember {
 public:
  virtual ~LoopMember() = default;
  virtual void take_on_loop(Frame frame) = 0;
};

class LoopInbox : public std::enable_shared_from_this<LoopInbox> {
 public:
  explicit LoopInbox(boost::asio::any_io_executor loop) : loop_(std::move(loop)) {}

  // Any thread.
  void add(std::shared_ptr<LoopMember> member, Frame frame);

 private:
  void drain();

  boost::asio::any_io_executor loop_;
  std::mutex mutex_;
  std::vector<std::pair<std::shared_ptr<LoopMember>, Frame>> pending_;
  bool posted_ = false;
};

// One inbox per event loop, made on first use (the chat service owns it).
class LoopInboxes {
 public:
  std::shared_ptr<LoopInbox> for_loop(const boost::asio::any_io_executor& loop);

 private:
  std::mutex mutex_;
  std::map<const void*, std::shared_ptr<LoopInbox>> inboxes_;
};

}  // namespace tidecast::chat

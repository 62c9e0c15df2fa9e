// The deadline sweep (http/deadline_sweep.hpp): a passed deadline closes, a
// refreshed or cleared one does not; the per-loop timer stops when nothing is
// watched; and through a real HttpServer: an idle keep-alive connection is
// closed by the sweep, a quiet event stream is not. And the session's
// synchronous parse of a head already read (pipelined, malformed, too large).
#include "http/deadline_sweep.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/response_stream.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "support/captured_log.hpp"
#include "support/http_client.hpp"
#include "support/loopback_http_server.hpp"

using namespace tidecast;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

struct Watched : http::Swept {
  int passed = 0;
  std::function<void()> on_passed;
  void deadline_passed() override {
    ++passed;
    if (on_passed) on_passed();
  }
};

// True when the peer closes within `limit` (reads and drops anything else).
bool closed_within(net::ip::tcp::socket& socket, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  socket.non_blocking(true);
  while (std::chrono::steady_clock::now() < end) {
    char byte[256];
    boost::system::error_code ec;
    socket.read_some(net::buffer(byte), ec);
    if (ec == net::error::eof || ec == net::error::connection_reset) return true;
    if (ec && ec != net::error::would_block) return true;
    if (ec) std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEST_CASE("deadline sweep: a passed deadline is told once; a refreshed or cleared one is not") {
  auto list = std::make_shared<http::DeadlineList>();
  const auto t0 = http::DeadlineClock::now();
  auto late = std::make_shared<Watched>();
  auto refreshed = std::make_shared<Watched>();
  auto cleared = std::make_shared<Watched>();
  auto never = std::make_shared<Watched>();
  CHECK(list->watch(late));
  CHECK_FALSE(list->watch(refreshed));
  list->watch(cleared);
  list->watch(never);
  CHECK(list->size() == 4);

  late->set_deadline(t0 + 1s);
  refreshed->set_deadline(t0 + 1s);
  cleared->set_deadline(t0 + 1s);
  CHECK(list->sweep(t0 + 500ms) == 0);  // not yet
  refreshed->set_deadline(t0 + 3s);     // progress moved it on
  cleared->clear_deadline();            // waiting for something other than the peer
  CHECK(list->sweep(t0 + 2s) == 1);
  CHECK(late->passed == 1);
  CHECK(refreshed->passed == 0);
  CHECK(cleared->passed == 0);
  CHECK(never->passed == 0);
  CHECK_FALSE(late->has_deadline());  // told once
  CHECK(list->sweep(t0 + 2s) == 0);
  CHECK(list->sweep(t0 + 4s) == 1);
  CHECK(refreshed->passed == 1);

  // A destroyed connection leaves the list; the others stay watched.
  late.reset();
  CHECK(list->size() == 3);
  cleared->set_deadline(t0);
  CHECK(list->sweep(t0 + 5s) == 1);
  CHECK(cleared->passed == 1);
}

TEST_CASE("deadline sweep: a connection may be closed and dropped from its deadline_passed") {
  auto list = std::make_shared<http::DeadlineList>();
  const auto t0 = http::DeadlineClock::now();
  std::vector<std::shared_ptr<Watched>> held;
  for (int i = 0; i < 100; ++i) {
    held.push_back(std::make_shared<Watched>());
    list->watch(held.back());
    held.back()->set_deadline(t0 + std::chrono::seconds(i % 2));  // every other one is late at t0 + 500 ms
  }
  int told = 0;
  for (int i = 0; i < 100; i += 2) {
    held[i]->on_passed = [&held, &told, i] {
      ++told;
      held[i].reset();  // the last outside reference: destroyed when the sweep lets go
    };
  }
  CHECK(list->sweep(t0 + 500ms) == 50);
  CHECK(told == 50);
  CHECK(list->size() == 50);
}

TEST_CASE("deadline sweep: one timer per loop tells the late ones, then lets the loop run out of work") {
  net::io_context loop;
  auto& sweep = http::DeadlineSweep::of(loop);
  CHECK(&sweep == &http::DeadlineSweep::of(loop));
  auto late = std::make_shared<Watched>();
  auto fine = std::make_shared<Watched>();
  sweep.watch(late);
  sweep.watch(fine);
  late->deadline_after(100ms);
  fine->deadline_after(60s);
  std::weak_ptr<Watched> gone = late;
  late->on_passed = [&] {
    late.reset();
    fine.reset();  // nothing left to watch: the timer stops, run() returns
  };
  const auto start = std::chrono::steady_clock::now();
  loop.run_for(10s);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(gone.expired());
  CHECK(sweep.watched() == 0);
  CHECK(took < 5s);  // within a period or two of the deadline, not the 10-s cap
}

namespace {

// A real HttpServer with short timeouts: GET /hello answers at once,
// GET /events opens a stream the test never writes to.
class SweptServer {
 public:
  explicit SweptServer(core::Logger& log) : log_(log) {
    router_.add(http::Verb::get, "/hello", [](const http::Request&, const http::RouteContext&) {
      return http::make_text(http::Status::ok, "hello");
    });
    router_.add(http::Verb::get, "/events", [this](const http::Request&, const http::RouteContext&) {
      http::ResponseStream::Options options;
      options.heartbeat.clear();  // quiet: no byte at all after the head
      auto stream = std::make_shared<http::ResponseStream>(options);
      std::lock_guard lock(mutex_);
      streams_.push_back(stream);
      return http::make_event_stream(stream);
    });
    http::ServerLimits limits;
    limits.request_timeout_seconds = 1;
    limits.idle_timeout_seconds = 1;
    limits.write_timeout_seconds = 1;
    server_ = std::make_unique<test::LoopbackHttpServer>(
        log_, limits,
        [this](const http::Request& request, const http::ClientInfo& client) {
          return router_.handle(request, client);
        },
        [this](http::HttpServer& server) {
          server.on_reject([this](std::string_view kind) {
            std::lock_guard lock(mutex_);
            rejections_.emplace_back(kind);
          });
        });
  }
  std::uint16_t port() const { return server_->port(); }
  std::size_t rejections(std::string_view kind) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count(rejections_.begin(), rejections_.end(), kind));
  }

 private:
  core::Logger& log_;
  http::Router router_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<http::ResponseStream>> streams_;
  std::vector<std::string> rejections_;
  std::unique_ptr<test::LoopbackHttpServer> server_;  // last: stopped before what its handler uses goes
};

}  // namespace

TEST_CASE("deadline sweep in a server: idle and slow clients are closed, a quiet event stream is not") {
  test::CapturedLog log(core::LogLevel::debug);
  SweptServer server(log.logger());

  // Idle keep-alive after one answer: closed by the idle timeout (1 s + up to a sweep period).
  test::HttpClient idle(server.port());
  CHECK(idle.request("GET", "/hello").status == 200);
  // A head that never ends: closed by the request timeout, counted.
  test::HttpClient slow(server.port());
  net::write(slow.socket(), net::buffer(std::string("GET /hello HTTP/1.1\r\nHost: x\r\n")));
  // An event stream with nothing to say for longer than the write timeout: kept.
  test::HttpClient quiet(server.port());
  net::write(quiet.socket(), net::buffer(std::string("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")));

  CHECK(closed_within(idle.socket(), 6000ms));
  CHECK(closed_within(slow.socket(), 6000ms));
  CHECK_FALSE(closed_within(quiet.socket(), 2500ms));
  CHECK(server.rejections("request_timeout") == 1);
  CHECK(server.rejections("write_timeout") == 0);
  CHECK(log.count("http idle timeout") == 1);
  CHECK(log.count("request timeout remote=127.0.0.1 limit_seconds=1") == 1);
  // And the server still answers.
  CHECK(test::http_get(server.port(), "/hello").status == 200);
}

TEST_CASE("a session parses heads already read without a read operation: pipelined, malformed, too large") {
  test::CapturedLog log;
  SweptServer server(log.logger());
  // Two requests in one write: the second is already buffered when the first is answered.
  test::HttpClient pipelined(server.port());
  net::write(pipelined.socket(),
             net::buffer(std::string("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  std::string seen;
  boost::system::error_code ec;
  char chunk[4096];
  for (;;) {
    const auto n = pipelined.socket().read_some(net::buffer(chunk), ec);
    if (ec) break;
    seen.append(chunk, n);
  }
  CHECK(test::count_of(seen, "HTTP/1.1 200 OK") == 2);
  CHECK(test::count_of(seen, "hello") == 2);

  test::HttpClient malformed(server.port());
  CHECK(malformed.raw("GET /hello HTTP/1.1\r\nHost x\r\n\r\n").status == 400);
  test::HttpClient large(server.port());
  CHECK(large.raw("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n").status == 431);
  CHECK(test::http_get(server.port(), "/hello").status == 200);
}

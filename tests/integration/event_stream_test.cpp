// Long-lived responses (http/response_stream.hpp) through a real HttpServer on
// 127.0.0.1, the event hub's diffs, and GET /api/v1/events on the real server.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "api/event_hub.hpp"
#include "http/response_stream.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

using namespace tidecast;
using namespace tidecast::test;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// GET /events hands out a stream the test pushes into.
class EventServer {
 public:
  explicit EventServer(http::ResponseStream::Options options, unsigned write_timeout = 60) {
    router_.add(http::Verb::get, "/events", [this, options](const http::Request&, const http::RouteContext&) {
      auto stream = std::make_shared<http::ResponseStream>(options);
      std::lock_guard lock(mutex_);
      streams_.push_back(stream);
      return http::make_event_stream(stream);
    });
    http::ServerLimits limits;
    limits.write_timeout_seconds = write_timeout;
    server_ = std::make_unique<http::HttpServer>(ioc_, loops_, log_, limits,
                                                 [this](const http::Request& request, const http::ClientInfo& client) {
                                                   return router_.handle(request, client);
                                                 });
    server_->listen("127.0.0.1", 0);
    server_->start();
    loops_.start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~EventServer() {
    stop();
    ioc_.stop();
    thread_.join();
    loops_.join(std::chrono::seconds(1));
  }
  void stop() { server_->stop(); }
  std::uint16_t port() const { return server_->port(); }
  std::size_t connections() const { return server_->active_connections(); }
  std::shared_ptr<http::ResponseStream> stream(std::size_t i) {
    for (int tries = 0; tries < 200; ++tries) {
      {
        std::lock_guard lock(mutex_);
        if (streams_.size() > i) return streams_[i];
      }
      std::this_thread::sleep_for(10ms);
    }
    return nullptr;
  }

 private:
  core::Logger log_{core::LogLevel::off};
  net::io_context ioc_;
  core::IoPool loops_{log_, "http", 1};
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<http::ResponseStream>> streams_;
};

// Reads from a raw socket until `needle` shows up, the peer closes, or the time is up.
struct Reader {
  net::ip::tcp::socket& socket;
  std::string seen = {};
  bool eof = false;

  bool until(const std::string& needle, std::chrono::milliseconds limit = 5s) {
    socket.non_blocking(true);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (seen.find(needle) == std::string::npos) {
      if (eof || std::chrono::steady_clock::now() > deadline) return false;
      char buffer[4096];
      boost::system::error_code ec;
      const auto n = socket.read_some(net::buffer(buffer), ec);
      if (ec == net::error::would_block) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      if (ec) {
        eof = true;
        continue;
      }
      seen.append(buffer, n);
    }
    return true;
  }
  bool closed(std::chrono::milliseconds limit = 5s) {
    until("\x01never\x01", limit);
    return eof;
  }
};

void open_events(HttpClient& client) {
  net::write(client.socket(), net::buffer(std::string("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")));
}

}  // namespace

TEST_CASE("a stream response sends its head, then each push as a chunk, heartbeats, and ends cleanly") {
  http::ResponseStream::Options options;
  options.heartbeat_interval = 200ms;
  EventServer server(options);
  HttpClient client(server.port());
  open_events(client);
  Reader reader{client.socket()};
  REQUIRE(reader.until("\r\n\r\n"));
  CHECK(reader.seen.find("HTTP/1.1 200 OK") == 0);
  CHECK(reader.seen.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(reader.seen.find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(reader.seen.find("Content-Length") == std::string::npos);

  auto stream = server.stream(0);
  REQUIRE(stream);
  CHECK(stream->push(http::sse_event("job", R"({"progress":50})")));
  CHECK(reader.until("event: job\ndata: {\"progress\":50}\n\n\r\n"));
  CHECK(reader.until(": heartbeat\n\n"));  // nothing pushed for 200 ms

  stream->end();
  CHECK(reader.until("\r\n0\r\n\r\n"));
  CHECK(reader.closed());
  CHECK(!stream->push("late"));
}

TEST_CASE("HEAD gets the head of a stream response and no body") {
  EventServer server({});
  HttpClient client(server.port());
  const HttpReply reply = client.raw("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(reply.status == 200);
  CHECK(reply.header("content-type") == "text/event-stream; charset=utf-8");
}

TEST_CASE("a client that goes away releases its stream; server stop closes open streams") {
  EventServer server({});
  {
    HttpClient gone(server.port());
    open_events(gone);
    Reader reader{gone.socket()};
    REQUIRE(reader.until("\r\n\r\n"));
  }
  auto first = server.stream(0);
  REQUIRE(first);
  // The next write fails on the closed connection; the producer learns it.
  for (int i = 0; i < 200 && !first->closed(); ++i) {
    first->push("data: x\n\n");
    std::this_thread::sleep_for(10ms);
  }
  CHECK(first->closed());

  HttpClient client(server.port());
  open_events(client);
  Reader reader{client.socket()};
  REQUIRE(reader.until("\r\n\r\n"));
  server.stop();
  CHECK(reader.closed(2s));
  CHECK(server.stream(1)->closed());
}

TEST_CASE("a client that stops reading: the bounded queue ends the stream and the write deadline cuts it") {
  http::ResponseStream::Options options;
  options.max_queued_bytes = 64 * 1024;
  EventServer server(options, 1);
  HttpClient client(server.port());
  open_events(client);
  Reader reader{client.socket()};
  REQUIRE(reader.until("\r\n\r\n"));
  auto stream = server.stream(0);
  REQUIRE(stream);
  const std::string event = "data: " + std::string(16 * 1024, 'x') + "\n\n";
  int pushed = 0;
  while (stream->push(event) && pushed < 100000) ++pushed;  // never read by the client
  CHECK(pushed < 100000);
  CHECK(stream->closed());
  // The session's write is stuck behind full socket buffers until the 1 s deadline.
  bool released = false;
  for (int i = 0; i < 500 && !released; ++i) {
    released = server.connections() == 0;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(released);
}

TEST_CASE("the event hub sends current state to new subscribers, then only changes, filtered per subscriber") {
  net::io_context ioc;
  core::Logger log{core::LogLevel::off};
  std::vector<catalog::Video> videos;
  std::vector<catalog::Job> jobs;
  std::vector<std::string> live;
  api::EventHub hub(ioc, log, {[&] { return videos; }, [&] { return jobs; }, [&] { return live; }});

  catalog::Video mine;
  mine.id = "mine";
  mine.state = catalog::VideoState::processing;
  catalog::Video other;
  other.id = "other";
  other.state = catalog::VideoState::ready;
  catalog::Job job;
  job.video_id = "mine";
  job.state = catalog::JobState::running;
  job.progress = 12.5;
  videos = {mine, other};
  jobs = {job};
  live = {"studio"};

  auto all = std::make_shared<http::ResponseStream>();
  auto own = std::make_shared<http::ResponseStream>();
  hub.subscribe(all, {});
  hub.subscribe(own, [](const catalog::Video& v) { return v.id == "mine"; });
  hub.poll();
  const auto first_all = all->take().bytes;
  const auto first_own = own->take().bytes;
  CHECK(first_all.find("retry: 3000") != std::string::npos);
  CHECK(first_all.find("event: live\ndata: {\"channel\":\"studio\",\"live\":true}") != std::string::npos);
  CHECK(first_all.find(R"("progress":12.5)") != std::string::npos);
  CHECK(first_all.find(R"("id":"mine","state":"processing")") != std::string::npos);
  CHECK(first_all.find("\"other\"") == std::string::npos);  // finished before anyone listened: not news
  CHECK(first_own.find(R"("progress":12.5)") != std::string::npos);

  hub.poll();  // nothing changed
  CHECK(all->take().bytes.empty());

  jobs[0].progress = 80;
  videos[1].state = catalog::VideoState::failed;
  live.clear();
  hub.poll();
  const auto second_all = all->take().bytes;
  const auto second_own = own->take().bytes;
  CHECK(second_all.find(R"("progress":80.0)") != std::string::npos);
  CHECK(second_all.find(R"({"id":"other","state":"failed"})") != std::string::npos);
  CHECK(second_all.find(R"({"channel":"studio","live":false})") != std::string::npos);
  CHECK(second_own.find(R"("progress":80.0)") != std::string::npos);
  CHECK(second_own.find("other") == std::string::npos);  // someone else's video
  CHECK(second_own.find(R"("live":false)") != std::string::npos);

  videos.erase(videos.begin());
  hub.poll();
  CHECK(own->take().bytes.find(R"({"id":"mine","state":"deleted"})") != std::string::npos);

  hub.stop();
  CHECK(all->closed());
}

TEST_CASE("GET /api/v1/events needs credentials") {
  TestServer server;
  const HttpReply reply = http_get(server.http_port(), "/api/v1/events");
  CHECK(reply.status == 401);
}

TEST_CASE("the event hub takes its baseline at the first subscription: a change before the first tick is news") {
  net::io_context ioc;
  core::Logger log{core::LogLevel::off};
  std::vector<catalog::Video> videos(1);
  videos[0].id = "old";
  videos[0].state = catalog::VideoState::ready;
  api::EventHub hub(
      ioc, log,
      {[&] { return videos; }, [] { return std::vector<catalog::Job>{}; }, [] { return std::vector<std::string>{}; }});
  auto stream = std::make_shared<http::ResponseStream>();
  hub.subscribe(stream, {});
  catalog::Video quick;  // uploaded and converted before the hub's next look
  quick.id = "quick";
  quick.state = catalog::VideoState::ready;
  videos.push_back(quick);
  hub.poll();
  const auto sent = stream->take().bytes;
  CHECK(sent.find(R"({"id":"quick","state":"ready"})") != std::string::npos);
  CHECK(sent.find("\"old\"") == std::string::npos);
}

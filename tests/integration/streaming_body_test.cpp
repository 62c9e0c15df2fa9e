// Streamed request bodies (http/body_sink.hpp) through a real HttpServer on
// 127.0.0.1: chunked delivery to the sink, limits, refusals before the body,
// 100-continue, and the minimum-rate deadline.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "http/router.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"

using namespace tidecast;
using namespace tidecast::test;
namespace net = boost::asio;

namespace {

struct Received {
  std::mutex mutex;
  std::uint64_t bytes = 0;
  std::size_t largest_chunk = 0;
  std::uint64_t checksum = 0;
  int finished = 0;
  int aborted = 0;

  // The server aborts a sink on its own strand after closing the socket, so a
  // client that has seen the close may still be ahead of the abort.
  bool wait_for_aborted(int count) {
    for (int i = 0; i < 250; ++i) {
      {
        std::lock_guard lock(mutex);
        if (aborted >= count) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
};

class CountingSink : public http::BodySink {
 public:
  explicit CountingSink(Received& out) : out_(out) {}
  std::optional<http::Response> write(const char* data, std::size_t size) override {
    std::lock_guard lock(out_.mutex);
    out_.bytes += size;
    out_.largest_chunk = std::max(out_.largest_chunk, size);
    for (std::size_t i = 0; i < size; ++i) out_.checksum = out_.checksum * 31 + static_cast<unsigned char>(data[i]);
    return std::nullopt;
  }
  http::Response finish() override {
    std::lock_guard lock(out_.mutex);
    ++out_.finished;
    return http::make_text(http::Status::created, std::to_string(out_.bytes));
  }
  void abort() noexcept override {
    std::lock_guard lock(out_.mutex);
    ++out_.aborted;
  }

 private:
  Received& out_;
};

// A server with POST /upload (streamed, 1 GiB limit), POST /small (streamed,
// 1 KiB limit), POST /locked (refused before the body) and GET /ping.
class StreamingServer {
 public:
  explicit StreamingServer(unsigned request_timeout = 15, std::size_t min_rate = 4096) {
    router_.add_streaming(http::Verb::post, "/upload", [this](const http::RequestHead&, const http::RouteContext&) {
      return http::StreamStart::accept(std::make_unique<CountingSink>(received), 1ull << 30);
    });
    router_.add_streaming(http::Verb::post, "/small", [this](const http::RequestHead&, const http::RouteContext&) {
      return http::StreamStart::accept(std::make_unique<CountingSink>(received), 1024);
    });
    router_.add_streaming(http::Verb::post, "/locked", [](const http::RequestHead&, const http::RouteContext&) {
      return http::StreamStart::refuse(http::make_json_error(http::Status::unauthorized, "unauthorized", "no"));
    });
    router_.add(http::Verb::get, "/ping", [](const http::Request&, const http::RouteContext&) {
      return http::make_text(http::Status::ok, "pong");
    });
    http::ServerLimits limits;
    limits.request_timeout_seconds = request_timeout;
    limits.min_stream_bytes_per_second = min_rate;
    server_ = std::make_unique<http::HttpServer>(
        ioc_, loops_, log_, limits,
        [this](const http::Request& request, const http::ClientInfo& client) {
          return router_.handle(request, client);
        },
        [this](const http::RequestHead& head, const http::ClientInfo& client) { return router_.stream(head, client); });
    server_->listen("127.0.0.1", 0);
    server_->start();
    loops_.start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~StreamingServer() {
    server_->stop();
    ioc_.stop();
    thread_.join();
    loops_.join(std::chrono::seconds(1));
  }
  std::uint16_t port() const { return server_->port(); }
  Received received;

 private:
  core::Logger log_{core::LogLevel::off};
  net::io_context ioc_;
  core::IoPool loops_{log_, "http", 1};
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
};

std::string pattern(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 7 + i / 1000) & 0xff);
  return out;
}

std::uint64_t checksum_of(const std::string& data) {
  std::uint64_t sum = 0;
  for (unsigned char c : data) sum = sum * 31 + c;
  return sum;
}

}  // namespace

TEST_CASE("a large body reaches the sink in bounded chunks; the connection stays usable") {
  StreamingServer server;
  HttpClient client(server.port());
  const std::string body = pattern(24 * 1024 * 1024 + 123);
  const HttpReply reply = client.request("POST", "/upload", body, {{"Content-Type", "video/mp4"}});
  CHECK(reply.status == 201);
  CHECK(reply.body == std::to_string(body.size()));
  {
    std::lock_guard lock(server.received.mutex);
    CHECK(server.received.bytes == body.size());
    CHECK(server.received.checksum == checksum_of(body));
    CHECK(server.received.largest_chunk <= 256 * 1024);
    CHECK(server.received.finished == 1);
    CHECK(server.received.aborted == 0);
  }
  CHECK(client.request("GET", "/ping").body == "pong");
}

TEST_CASE("chunked transfer encoding is streamed too") {
  StreamingServer server;
  HttpClient client(server.port());
  const HttpReply reply = client.raw(
      "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  CHECK(reply.status == 201);
  CHECK(reply.body == "11");
}

TEST_CASE("over the route's limit: 413 from Content-Length at once, or when a chunked body crosses it") {
  StreamingServer server;
  {
    HttpClient client(server.port());
    const HttpReply reply = client.request("POST", "/small", std::string(5000, 'x'));
    CHECK(reply.status == 413);
  }
  {
    HttpClient client(server.port());
    std::string request = "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) request += "200\r\n" + std::string(512, 'y') + "\r\n";
    request += "0\r\n\r\n";
    CHECK(client.raw(request).status == 413);
  }
  CHECK(server.received.wait_for_aborted(2));
  std::lock_guard lock(server.received.mutex);
  CHECK(server.received.finished == 0);
  CHECK(server.received.aborted == 2);
  CHECK(server.received.bytes <= 1024);
}

TEST_CASE("a refusal is answered without reading the body, and the client sees it") {
  StreamingServer server;
  HttpClient client(server.port());
  const HttpReply reply = client.request("POST", "/locked", std::string(4 * 1024 * 1024, 'z'));
  CHECK(reply.status == 401);
  CHECK(reply.header("connection") == "close");
  CHECK(http_get(server.port(), "/ping").status == 200);
}

TEST_CASE("Expect: 100-continue gets an interim response before the body is sent") {
  StreamingServer server;
  HttpClient client(server.port());
  net::write(client.socket(),
             net::buffer(
                 std::string("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")));
  std::string interim;
  net::read_until(client.socket(), net::dynamic_buffer(interim), "\r\n\r\n");
  CHECK(interim.starts_with("HTTP/1.1 100 Continue"));
  const HttpReply reply = client.raw("body");
  CHECK(reply.status == 201);
  CHECK(reply.body == "4");
}

TEST_CASE("a steady upload may outlast the request timeout; a trickle is cut and aborted") {
  StreamingServer server(/*request_timeout=*/2, /*min_rate=*/4096);
  {
    // 64 KiB every 500 ms for ~3.5 s: longer than the 2-s deadline, well above the minimum rate.
    HttpClient steady(server.port());
    constexpr std::size_t kPiece = 64 * 1024;
    constexpr int kPieces = 7;
    net::write(steady.socket(), net::buffer("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                            std::to_string(kPiece * kPieces) + "\r\n\r\n"));
    for (int i = 0; i < kPieces - 1; ++i) {
      net::write(steady.socket(), net::buffer(std::string(kPiece, 's')));
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    const HttpReply reply = steady.raw(std::string(kPiece, 's'));
    CHECK(reply.status == 201);
  }
  {
    HttpClient trickle(server.port());
    net::write(trickle.socket(),
               net::buffer(std::string("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")));
    bool cut_off = false;
    for (int i = 0; i < 10 && !cut_off; ++i) {
      boost::system::error_code ec;
      net::write(trickle.socket(), net::buffer(std::string(512, 't')), ec);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      trickle.socket().non_blocking(true);
      char byte;
      trickle.socket().read_some(net::buffer(&byte, 1), ec);
      trickle.socket().non_blocking(false);
      cut_off = ec == net::error::eof || ec == net::error::connection_reset || (ec && ec != net::error::would_block);
    }
    CHECK(cut_off);
  }
  CHECK(server.received.wait_for_aborted(1));
  std::lock_guard lock(server.received.mutex);
  CHECK(server.received.finished == 1);
  CHECK(server.received.aborted == 1);
}

TEST_CASE("a client vanishing mid-body aborts the sink") {
  StreamingServer server;
  {
    HttpClient client(server.port());
    net::write(client.socket(),
               net::buffer(std::string("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n") +
                           std::string(300000, 'q')));
  }  // closed here
  CHECK(server.received.wait_for_aborted(1));
  std::lock_guard lock(server.received.mutex);
  CHECK(server.received.aborted == 1);
  CHECK(server.received.finished == 0);
  CHECK(server.received.bytes == 300000);
}

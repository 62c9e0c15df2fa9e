// File responses (http/open_file.hpp, session_file.cpp) through a real
// HttpServer on 127.0.0.1: the bytes arrive exactly, the connection stays
// usable after them, a stalled reader is cut off while others are served,
// and a file that changes under a response never yields wrong bytes.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

#include "http/router.hpp"
#include "http/serve_bytes.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
using namespace tidecast::test;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// GET /files/<name> serves <dir>/<name>.
class FileServer {
 public:
  FileServer(std::filesystem::path dir, unsigned write_timeout = 60) : dir_(std::move(dir)) {
    router_.add(http::Verb::get, "/files/*", [this](const http::Request& request, const http::RouteContext& context) {
      auto file = http::OpenFile::open(dir_ / std::string(context.param("*")));
      if (!file) return http::make_json_error(http::Status::not_found, "not_found", "no such file");
      return http::serve_file(request, {.file = std::move(file), .content_type = "video/mp4", .cache_control = {}});
    });
    http::ServerLimits limits;
    limits.write_timeout_seconds = write_timeout;
    server_ = std::make_unique<http::HttpServer>(ioc_, loops_, log_, limits,
                                                 [this](const http::Request& request, const http::ClientInfo& client) {
                                                   return router_.handle(request, client);
                                                 });
    server_->read_files_on(disk_);
    server_->listen("127.0.0.1", 0);
    server_->start();
    loops_.start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FileServer() {
    server_->stop();
    ioc_.stop();
    thread_.join();
    loops_.join(std::chrono::seconds(1));
  }
  std::uint16_t port() const { return server_->port(); }
  std::uint64_t cold_reads() const { return server_->cold_file_reads(); }

 private:
  std::filesystem::path dir_;
  boost::asio::thread_pool disk_{1};
  core::Logger log_{core::LogLevel::off};
  net::io_context ioc_;
  core::IoPool loops_{log_, "http", 1};
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
};

std::string random_bytes(std::size_t size) {
  std::mt19937_64 random(42);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(random());
  return bytes;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Drops the file's pages from the page cache (written back first: dirty pages stay).
void evict(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

// Sends a GET and reads nothing yet: the server fills the socket buffers
// (a few MB on loopback, far less than the test files) and waits.
void request_without_reading(HttpClient& client, const std::string& target) {
  net::write(client.socket(), net::buffer("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::this_thread::sleep_for(300ms);
}

// Everything the connection still delivers until the server closes it (or
// `limit` bytes); `closed` tells which. A read blocked for 15 s counts as open.
struct Drained {
  std::string bytes;
  bool closed = false;
};
Drained drain(net::ip::tcp::socket& socket, std::size_t limit) {
  const timeval timeout{15, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  Drained out;
  boost::system::error_code ec;
  char buffer[65536];
  while (!ec && out.bytes.size() < limit) out.bytes.append(buffer, socket.read_some(net::buffer(buffer), ec));
  out.closed = ec && ec != net::error::would_block && ec != net::error::try_again;
  return out;
}

std::string body_after_head(const std::string& wire) {
  const auto end = wire.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : wire.substr(end + 4);
}

}  // namespace

TEST_CASE("a large file arrives byte for byte, ranges too, and the connection serves the next request") {
  TempDir dir;
  const std::string bytes = random_bytes(24 * 1024 * 1024);
  write_file(dir.path() / "big.mp4", bytes);
  FileServer server(dir.path());
  HttpClient client(server.port());

  const HttpReply whole = client.request("GET", "/files/big.mp4");
  CHECK(whole.status == 200);
  CHECK(whole.body.size() == bytes.size());
  CHECK(whole.body == bytes);
  const HttpReply middle = client.request("GET", "/files/big.mp4", {}, {{"Range", "bytes=10000000-10999999"}});
  CHECK(middle.status == 206);
  CHECK(middle.body == bytes.substr(10000000, 1000000));
  const HttpReply head = client.request("HEAD", "/files/big.mp4");
  CHECK(head.header("content-length") == std::to_string(bytes.size()));
  CHECK(client.request("GET", "/files/missing.mp4").status == 404);
}

TEST_CASE("a reader that stops reading is cut off by the write timeout; others are served meanwhile") {
  TempDir dir;
  write_file(dir.path() / "big.mp4", random_bytes(64 * 1024 * 1024));
  write_file(dir.path() / "small.mp4", "small");
  FileServer server(dir.path(), 1);
  HttpClient stalled(server.port());
  request_without_reading(stalled, "/files/big.mp4");
  for (int i = 0; i < 5; ++i) CHECK(http_get(server.port(), "/files/small.mp4").body == "small");
  std::this_thread::sleep_for(2500ms);  // past the 1-s timeout without reading a byte
  const Drained rest = drain(stalled.socket(), 64 * 1024 * 1024);
  CHECK(rest.closed);
  CHECK(rest.bytes.size() < 64u * 1024 * 1024);  // the server gave up long before the end
}

TEST_CASE("a file deleted or replaced during a response is sent as it was opened; one cut short closes") {
  TempDir dir;
  const std::string bytes = random_bytes(48 * 1024 * 1024);
  write_file(dir.path() / "a.mp4", bytes);
  FileServer server(dir.path());

  HttpClient replaced(server.port());
  request_without_reading(replaced, "/files/a.mp4");
  std::filesystem::remove(dir.path() / "a.mp4");
  write_file(dir.path() / "a.mp4", random_bytes(100));
  const Drained whole = drain(replaced.socket(), std::numeric_limits<std::size_t>::max());
  CHECK(body_after_head(whole.bytes) == bytes);  // the open file, whole, then the server ends the connection

  // Truncated in place (Tidecast never does this: files are published by
  // rename): the promised length cannot be met, so the connection closes
  // early and the client knows the body is incomplete. Bytes past the cut
  // that sendfile had already queued may read as zeros (the kernel sends page
  // cache pages by reference, as for nginx); those before it are right.
  write_file(dir.path() / "b.mp4", bytes);
  HttpClient truncated(server.port());
  request_without_reading(truncated, "/files/b.mp4");
  constexpr std::size_t kCut = 1024 * 1024;
  std::filesystem::resize_file(dir.path() / "b.mp4", kCut);
  const Drained cut = drain(truncated.socket(), bytes.size() + 4096);
  CHECK(cut.closed);
  const std::string body = body_after_head(cut.bytes);
  CHECK(body.size() < bytes.size());
  const auto mismatch = std::mismatch(body.begin(), body.end(), bytes.begin()).first - body.begin();
  CAPTURE(body.size());
  CHECK(mismatch >= static_cast<std::ptrdiff_t>(std::min(body.size(), kCut)));
}

TEST_CASE("bytes no longer in the page cache are read on the disk pool first, then sent byte for byte") {
  TempDir dir;
  const std::string bytes = random_bytes(8 * 1024 * 1024);
  write_file(dir.path() / "cold.mp4", bytes);
  evict(dir.path() / "cold.mp4");
  FileServer server(dir.path());
  HttpClient client(server.port());

  const HttpReply whole = client.request("GET", "/files/cold.mp4");
  CHECK(whole.status == 200);
  CHECK(whole.body == bytes);
  CHECK(server.cold_reads() > 0);
  const std::uint64_t after_first = server.cold_reads();
  // Now cached: the same bytes go out without the pool.
  CHECK(client.request("GET", "/files/cold.mp4").body == bytes);
  CHECK(server.cold_reads() == after_first);
}

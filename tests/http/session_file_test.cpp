// File responses through a real session: the head leaves with MSG_MORE ahead
// of the sendfile'd bytes (plain), and every byte arrives; an empty body is
// not left waiting for bytes that never come.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "core/io_pool.hpp"
#include "core/log.hpp"
#include "core/sealed_bytes.hpp"
#include "http/serve_bytes.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/loopback_http_server.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;

namespace {

std::string pattern(std::size_t size) {
  std::string bytes(size, ' ');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i % 19);
  return bytes;
}

struct FileServer {
  test::TempDir dir;
  core::Logger log{core::LogLevel::off};
  std::shared_ptr<const core::SealedBytes> sealed =
      core::SealedBytes::make("test", std::span(reinterpret_cast<const std::uint8_t*>(pattern(300000).data()), 300000));
  std::unique_ptr<test::LoopbackHttpServer> server;  // last: stopped before what its handler uses goes

  FileServer() {
    std::ofstream(dir.path() / "empty", std::ios::binary).flush();
    std::ofstream(dir.path() / "big", std::ios::binary) << pattern(1000000);
    server = std::make_unique<test::LoopbackHttpServer>(
        log, http::ServerLimits{}, [this](const http::Request& request, const http::ClientInfo&) {
          const std::string target(request.target());
          const auto file = target == "/sealed" ? http::OpenFile::of_sealed(sealed, "\"s\"")
                                                : http::OpenFile::open(dir.path() / target.substr(1));
          return http::serve_file(request, {.file = file, .content_type = "video/mp4", .cache_control = {}});
        });
  }
};

}  // namespace

TEST_CASE("file responses: every byte of a disk file and of a sealed one, whole and ranged, on one connection") {
  FileServer files;
  REQUIRE(files.sealed);
  test::HttpClient client(files.server->port());
  const auto big = client.request("GET", "/big");
  CHECK(big.status == 200);
  CHECK(big.body == pattern(1000000));
  const auto sealed = client.request("GET", "/sealed");
  CHECK(sealed.status == 200);
  CHECK(sealed.body == pattern(300000));
  const auto ranged = client.request("GET", "/sealed", {}, {{"Range", "bytes=299990-"}});
  CHECK(ranged.status == 206);
  CHECK(ranged.body == pattern(300000).substr(299990));
}

TEST_CASE("file responses: an empty file's answer is not held back waiting for body bytes") {
  // A head sent with MSG_MORE and nothing after it waits 200 ms in the kernel.
  FileServer files;
  test::HttpClient client(files.server->port());
  std::vector<double> times;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto reply = client.request("GET", "/empty");
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    CHECK(reply.status == 200);
    CHECK(reply.body.empty());
  }
  std::sort(times.begin(), times.end());
  CHECK(times[2] < 150);  // median; 200+ when held
}

#include "cluster/blocking_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "http/serve_bytes.hpp"
#include "http/server.hpp"
#include "support/loopback_http_server.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
namespace fs = std::filesystem;

namespace {

// A storage node's stand-in: checks the cluster signature, serves one file
// with Range, keeps what is PUT.
struct Storage {
  core::Logger log{core::LogLevel::off};
  cluster::ClusterAuth auth{"s1", "a secret of enough length"};
  std::string file = std::string(2500, 'x') + "end";
  std::string stored;
  std::atomic<int> gets{0};
  std::unique_ptr<test::LoopbackHttpServer> server;  // one loop: the handlers share state

  Storage() {
    server = std::make_unique<test::LoopbackHttpServer>(
        log, http::ServerLimits{}, [this](const http::Request& request, const http::ClientInfo&) {
          const auto verified = auth.verify(request[cluster::kClusterHeader], request.method_string(), request.target(),
                                            core::unix_now_ms() / 1000);
          if (!verified.ok()) return http::make_text(http::Status::forbidden, verified.error);
          if (request.method() == http::Verb::put) {
            stored = request.body();
            return http::make_text(http::Status::created, "stored");
          }
          if (request.method() == http::Verb::post) return http::make_text(http::Status::conflict, request.body());
          ++gets;
          return http::serve_bytes(request, {http::bytes_of(file), "application/octet-stream", "", "no-store"});
        });
  }
  std::string url() const { return server->url(); }
};

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("blocking client: signed calls; files down in ranged pieces and up as one PUT") {
  Storage storage;
  test::TempDir dir;
  cluster::ClusterAuth auth("r1", "a secret of enough length");
  cluster::BlockingClient::Options options;
  options.piece_bytes = 1000;
  cluster::BlockingClient client(auth, options);

  const auto got = client.get_file(storage.url(), "/internal/v1/storage/originals/v", dir.path() / "original");
  CHECK(got.status == 206);
  CHECK(read(dir.path() / "original") == storage.file);
  CHECK(storage.gets == 3);  // 1000 + 1000 + 503 bytes

  std::ofstream(dir.path() / "out.mp4", std::ios::binary) << "segment bytes";
  const auto put = client.put_file(storage.url(), "/internal/v1/storage/attempts/1/t/out.mp4", dir.path() / "out.mp4");
  CHECK(put.status == 201);
  CHECK(storage.stored == "segment bytes");

  const auto commit =
      client.call("POST", storage.url(), "/internal/v1/storage/jobs/1/commit", "{}", "application/json");
  CHECK(commit.status == 409);
  CHECK(commit.body == "{}");

  // Another secret is refused; a dead node is no answer, with why.
  cluster::ClusterAuth wrong("r1", "another secret of enough length");
  CHECK(cluster::BlockingClient(wrong, options).call("GET", storage.url(), "/x").status == 403);
  const auto dead = client.call("GET", "http://127.0.0.1:1", "/x");
  CHECK(dead.status == 0);
  CHECK(dead.error.find("connect") != std::string::npos);
  CHECK(client.call("GET", "ftp://x", "/x").error.find("not an http") != std::string::npos);
}

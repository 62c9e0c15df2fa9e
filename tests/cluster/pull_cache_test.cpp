#include "cluster/pull_cache.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <thread>

#include "core/log.hpp"
#include "http/deferred_response.hpp"
#include "http/server.hpp"
#include "support/loopback_http_server.hpp"

using namespace tidecast;

namespace {

// "bytes of <target>", or for a target naming "large" 200,000 bytes of a pattern.
std::string large_body(const std::string& target) {
  if (target.find("large") == std::string::npos) return "bytes of " + target;
  std::string body(200000, ' ');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 23);
  return body;
}

// A real origin node: the project's own HTTP server on 127.0.0.1, answering
// after 100 ms through a deferred response (as a node relaying in turn would).
struct Origin {
  core::Logger log{core::LogLevel::off};
  std::atomic<int> requests{0};
  std::atomic<int> missing{0};
  std::unique_ptr<test::LoopbackHttpServer> server;  // one loop: the handlers share state

  Origin() {
    server = std::make_unique<test::LoopbackHttpServer>(
        log, http::ServerLimits{}, [this](const http::Request& request, const http::ClientInfo&) {
          ++requests;
          const std::string target(request.target());
          if (target.find("missing") != std::string::npos) {
            ++missing;
            return http::make_text(http::Status::not_found, "not yet\n");
          }
          auto deferred = std::make_shared<http::DeferredResponse>();
          auto timer = std::make_shared<boost::asio::steady_timer>(server->ioc(), std::chrono::milliseconds(100));
          timer->async_wait([deferred, timer, target](boost::system::error_code) {
            http::Response res = http::make_text(http::Status::ok, large_body(target), "video/iso.segment");
            const bool playlist = target.ends_with(".m3u8");
            res.set(http::beast_http::field::cache_control,
                    playlist ? "public, max-age=1" : "public, max-age=31536000, immutable");
            deferred->complete(std::move(res));
          });
          return http::make_deferred_response(deferred);
        });
  }
  std::string url() const { return server->url(); }
};

http::Request get(std::string target) {
  http::Request request{http::Verb::get, target, 11};
  return request;
}

// Waits for a (possibly deferred) response.
http::Response resolve(http::Response response) {
  auto deferred = response.body().deferred;
  if (!deferred) return response;
  std::promise<http::Response> done;
  deferred->on_complete([&done](http::Response r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

// The pulling node's side: its own io thread and client.
struct Puller {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread io{[this] { ioc.run(); }};
  core::Logger log{core::LogLevel::off};
  cluster::ClusterAuth auth{"n2", "a secret of decent length"};
  cluster::PullClient client{ioc, auth, {}};
  ~Puller() {
    work.reset();
    ioc.stop();
    io.join();
  }
};

// The body, from memory or (a sealed segment) from its descriptor, as sendfile would read it.
std::string body_of(const http::Response& response) {
  const auto& file = response.body().file;
  if (!file) return std::string(response.body().bytes);
  std::string bytes(file->length, '\0');
  REQUIRE(::pread(file->file->fd(), bytes.data(), bytes.size(), static_cast<off_t>(file->offset)) ==
          static_cast<ssize_t>(bytes.size()));
  return bytes;
}

}  // namespace

TEST_CASE("pull cache: concurrent misses make one fetch; segments stay, playlists expire, a 404 is not kept") {
  Origin origin;
  Puller puller;
  core::Counter fetches, hits, coalesced, failures, stale;
  cluster::PullCache cache(puller.client, puller.log,
                           {.max_bytes = 1 << 20, .mutable_ttl = std::chrono::milliseconds(200)},
                           {&fetches, &hits, &coalesced, &failures, &stale}, "n2");

  std::vector<http::Response> pending;
  for (int i = 0; i < 20; ++i)
    pending.push_back(cache.serve(get("/live/a/v0/1-1.m4s"), origin.url(), "/x/1-1.m4s", "k1"));
  for (auto& response : pending) {
    const auto done = resolve(std::move(response));
    CHECK(done.result() == http::Status::ok);
    CHECK(body_of(done) == "bytes of /x/1-1.m4s");
    CHECK(done["X-Served-By"] == "n2");
  }
  CHECK(origin.requests == 1);
  CHECK(fetches.value() == 1);
  CHECK(coalesced.value() == 19);

  // From memory now, with Range honoured.
  http::Request ranged = get("/live/a/v0/1-1.m4s");
  ranged.set(http::beast_http::field::range, "bytes=0-4");
  const auto partial = cache.serve(ranged, origin.url(), "/x/1-1.m4s", "k1");
  CHECK_FALSE(partial.body().deferred);
  CHECK(partial.result() == http::Status::partial_content);
  CHECK(body_of(partial) == "bytes");
  CHECK(hits.value() == 1);

  // A playlist is kept for its short lifetime only.
  resolve(cache.serve(get("/p.m3u8"), origin.url(), "/x/p.m3u8", "p"));
  CHECK_FALSE(cache.serve(get("/p.m3u8"), origin.url(), "/x/p.m3u8", "p").body().deferred);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(resolve(cache.serve(get("/p.m3u8"), origin.url(), "/x/p.m3u8", "p")).result() == http::Status::ok);
  CHECK(origin.requests == 3);

  // A live playlist is not kept once fetched (a viewer moved here from the
  // owner must not get an older one), but concurrent asks still share a fetch.
  resolve(cache.serve(get("/live/a/v0/media.m3u8"), origin.url(), "/x/live.m3u8", "/live/a/v0/media.m3u8"));
  CHECK(origin.requests == 4);
  std::vector<http::Response> live;
  for (int i = 0; i < 5; ++i)
    live.push_back(cache.serve(get("/live/a/v0/media.m3u8"), origin.url(), "/x/live.m3u8", "/live/a/v0/media.m3u8"));
  for (auto& response : live) CHECK(resolve(std::move(response)).result() == http::Status::ok);
  CHECK(origin.requests == 5);

  // A 404 is passed on and asked again next time (the segment is about to exist).
  CHECK(resolve(cache.serve(get("/m"), origin.url(), "/x/missing", "m")).result() == http::Status::not_found);
  CHECK(resolve(cache.serve(get("/m"), origin.url(), "/x/missing", "m")).result() == http::Status::not_found);
  CHECK(origin.missing == 2);

  // An origin that does not answer: a clear 503 with Retry-After, counted, nothing kept.
  const auto dead = resolve(cache.serve(get("/d"), "http://127.0.0.1:1", "/x/d", "d"));
  CHECK(dead.result() == http::Status::service_unavailable);
  CHECK(dead[http::beast_http::field::retry_after] == "2");
  CHECK(failures.value() == 1);

  // A playlist it had: served from its expired copy while the origin does not answer.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const auto served_stale = resolve(cache.serve(get("/p.m3u8"), "http://127.0.0.1:1", "/x/p.m3u8", "p"));
  CHECK(served_stale.result() == http::Status::ok);
  CHECK(failures.value() == 2);
  CHECK(stale.value() == 1);

  // Never an old live playlist: its numbers may be far behind what a viewer
  // had from the owner that just died.
  const auto live_dead =
      resolve(cache.serve(get("/live/a/v0/media.m3u8"), "http://127.0.0.1:1", "/x/live.m3u8", "/live/a/v0/media.m3u8"));
  CHECK(live_dead.result() == http::Status::service_unavailable);
  CHECK(stale.value() == 1);
}

TEST_CASE("pull cache: the byte budget bounds it, whatever is asked") {
  Origin origin;
  Puller puller;
  cluster::PullCache cache(puller.client, puller.log, {200, std::chrono::milliseconds(10'000)}, {}, "n2");
  for (int i = 0; i < 30; ++i) {
    const std::string name = "/x/" + std::to_string(i) + (i % 2 ? ".m4s" : ".m3u8");
    resolve(cache.serve(get(name), origin.url(), name, name));
    CHECK(cache.bytes() <= 200);
  }
}

TEST_CASE("pull cache: a large segment is kept in a sealed memory file and sent from it, Range included") {
  Origin origin;
  Puller puller;
  core::Counter fetches, hits, coalesced, failures, stale;
  cluster::PullCache cache(puller.client, puller.log, {.max_bytes = 1 << 20},
                           {&fetches, &hits, &coalesced, &failures, &stale}, "n2");
  const std::string expected = large_body("/x/large-1.m4s");
  const auto first = resolve(cache.serve(get("/live/a/v0/large-1.m4s"), origin.url(), "/x/large-1.m4s", "k"));
  REQUIRE(first.result() == http::Status::ok);
  REQUIRE(first.body().file);  // a file span: plain sessions send it with sendfile
  CHECK(first.body().file->file->mapped().size() == expected.size());
  CHECK(body_of(first) == expected);
  CHECK(cache.bytes() == expected.size());

  http::Request ranged = get("/live/a/v0/large-1.m4s");
  ranged.set(http::beast_http::field::range, "bytes=150000-");
  const auto partial = cache.serve(ranged, origin.url(), "/x/large-1.m4s", "k");
  CHECK(partial.result() == http::Status::partial_content);
  CHECK(body_of(partial) == expected.substr(150000));
  CHECK(partial["X-Served-By"] == "n2");
  CHECK(origin.requests == 1);
}

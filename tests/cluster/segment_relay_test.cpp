#include "cluster/segment_relay.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "http/response_stream.hpp"
#include "http/server.hpp"
#include "support/loopback_http_server.hpp"

using namespace tidecast;
using namespace std::chrono_literals;

namespace {

// The owner: the project's own HTTP server on 127.0.0.1. "/open/…" is a
// segment in progress, answered with chunked transfer; the test pushes its
// parts (or cuts it) through `open`. Anything else is answered whole.
struct Owner {
  core::Logger log{core::LogLevel::off};
  std::atomic<int> requests{0};
  std::mutex mutex;
  std::shared_ptr<http::ResponseStream> open;
  std::promise<void> opened;
  std::unique_ptr<test::LoopbackHttpServer> server;  // last: stopped before what its handler uses goes

  Owner() {
    server = std::make_unique<test::LoopbackHttpServer>(
        log, http::ServerLimits{}, [this](const http::Request& request, const http::ClientInfo&) {
          ++requests;
          const std::string target(request.target());
          if (target.find("missing") != std::string::npos) return http::make_text(http::Status::not_found, "no\n");
          if (target.starts_with("/open/")) {
            http::ResponseStream::Options options;
            options.heartbeat.clear();
            options.chunk_per_push = true;
            options.max_queued_bytes = 1 << 20;
            auto stream = std::make_shared<http::ResponseStream>(options);
            {
              std::lock_guard lock(mutex);
              open = stream;
            }
            opened.set_value();
            http::Response res = http::make_stream_response(stream, "video/iso.segment");
            res.set(http::beast_http::field::cache_control, "public, max-age=31536000, immutable");
            return res;
          }
          http::Response res = http::make_text(http::Status::ok, "whole " + target, "video/iso.segment");
          res.set(http::beast_http::field::cache_control, "public, max-age=31536000, immutable");
          return res;
        });
  }
  std::string url() const { return server->url(); }
  std::shared_ptr<http::ResponseStream> wait_open() {
    REQUIRE(opened.get_future().wait_for(5s) == std::future_status::ready);
    std::lock_guard lock(mutex);
    return open;
  }
};

// The node that does not own the channel.
struct Relayer {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread io{[this] { ioc.run(); }};
  core::Logger log{core::LogLevel::off};
  cluster::ClusterAuth auth{"n2", "a secret of decent length"};
  cluster::PullClient client{ioc, auth, {}};
  core::Counter fetches, hits, coalesced, failures, stale;
  cluster::PullCache cache{client, log, {.max_bytes = 1 << 20}, {&fetches, &hits, &coalesced, &failures, &stale}, "n2"};
  std::unique_ptr<cluster::SegmentRelay> relay;

  explicit Relayer(cluster::SegmentRelayOptions options = {}) {
    relay = std::make_unique<cluster::SegmentRelay>(
        ioc, auth, cache, log, options, cluster::PullCounters{&fetches, &hits, &coalesced, &failures, &stale}, "n2");
  }
  ~Relayer() {
    work.reset();
    ioc.stop();
    io.join();
  }
  http::Response get(const Owner& owner, const std::string& path) {
    http::Request request{http::Verb::get, path, 11};
    return relay->serve(request, owner.url(), path, path, 5s);
  }
};

http::Response resolve(http::Response response) {
  auto deferred = response.body().deferred;
  if (!deferred) return response;
  std::promise<http::Response> done;
  deferred->on_complete([&done](http::Response r) { done.set_value(std::move(r)); });
  auto future = done.get_future();
  REQUIRE(future.wait_for(5s) == std::future_status::ready);
  return future.get();
}

// The next thing a viewer's session would send: a chunk, the end, or the cut.
http::ResponseStream::Taken next(http::ResponseStream& stream) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    auto taken = stream.take();
    if (!taken.bytes.empty() || taken.finished || taken.aborted) return taken;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(2ms);
  }
}

}  // namespace

TEST_CASE("segment relay: each part goes on as it comes, one fetch for all viewers, then kept whole") {
  Owner owner;
  Relayer node;
  const auto first = resolve(node.get(owner, "/open/v0/1-t0.m4s"));
  const auto upstream = owner.wait_open();
  auto second_pending = node.get(owner, "/open/v0/1-t0.m4s");  // joins the same fetch
  upstream->push("styp moof1 mdat1");
  REQUIRE(first.body().stream);
  CHECK(first["X-Served-By"] == "n2");
  CHECK(first[http::beast_http::field::cache_control] == "public, max-age=31536000, immutable");
  CHECK(next(*first.body().stream).bytes == "styp moof1 mdat1");  // before the segment is complete
  const auto second = resolve(std::move(second_pending));
  REQUIRE(second.body().stream);
  CHECK(next(*second.body().stream).bytes == "styp moof1 mdat1");
  CHECK(node.relay->in_flight() == 1);

  upstream->push("moof2 mdat2");
  const auto late = resolve(node.get(owner, "/open/v0/1-t0.m4s"));
  REQUIRE(late.body().stream);
  upstream->push("moof3 mdat3");
  upstream->end();
  for (const auto* viewer : {&first, &second}) {
    auto& stream = *viewer->body().stream;
    if (viewer == &first) CHECK(next(stream).bytes == "moof2 mdat2");
    if (viewer == &second) CHECK(next(stream).bytes == "moof2 mdat2");
    auto last = next(stream);
    CHECK(last.bytes == "moof3 mdat3");
    if (!last.finished) CHECK(next(stream).finished);
  }
  // The late viewer: the chunks so far, each as it was, then the rest.
  CHECK(next(*late.body().stream).bytes == "styp moof1 mdat1");
  CHECK(next(*late.body().stream).bytes == "moof2 mdat2");
  CHECK(owner.requests == 1);
  CHECK(node.fetches.value() == 1);

  // Complete: answered whole from memory, no fetch.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (node.relay->in_flight() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
  const auto whole = node.get(owner, "/open/v0/1-t0.m4s");
  CHECK_FALSE(whole.body().deferred);
  CHECK(std::string(whole.body().bytes) == "styp moof1 mdat1moof2 mdat2moof3 mdat3");
  CHECK(owner.requests == 1);
}

TEST_CASE("segment relay: an owner that dies mid-segment cuts the viewers' responses; whole answers pass as they are") {
  Owner owner;
  Relayer node;
  const auto viewer = resolve(node.get(owner, "/open/v0/1-t0.m4s"));
  const auto upstream = owner.wait_open();
  upstream->push("styp moof1 mdat1");
  REQUIRE(viewer.body().stream);
  CHECK(next(*viewer.body().stream).bytes == "styp moof1 mdat1");
  upstream->abort();  // the owner's connection closes without the final chunk
  CHECK(next(*viewer.body().stream).aborted);
  CHECK(node.failures.value() == 1);
  // Nothing cut is kept: the next request asks the owner again.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (node.relay->in_flight() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
  CHECK(node.cache.bytes() == 0);

  // A segment the owner has complete comes whole, and is kept.
  const auto complete = resolve(node.get(owner, "/done/v0/1-t0.m4s"));
  CHECK(complete.result() == http::Status::ok);
  CHECK(std::string(complete.body().bytes) == "whole /done/v0/1-t0.m4s");
  CHECK_FALSE(node.get(owner, "/done/v0/1-t0.m4s").body().deferred);
  // A refusal is passed on, not kept.
  const auto missing = resolve(node.get(owner, "/missing/v0/1-t0.m4s"));
  CHECK(missing.result() == http::Status::not_found);
  CHECK(missing[http::beast_http::field::cache_control] == "no-store");
}

TEST_CASE("segment relay: an owner silent past the idle timeout cuts the viewers; a dead owner is a 503") {
  Owner owner;
  Relayer node({.idle_timeout = 300ms});
  const auto viewer = resolve(node.get(owner, "/open/v0/1-t0.m4s"));
  const auto upstream = owner.wait_open();
  upstream->push("styp moof1 mdat1");
  REQUIRE(viewer.body().stream);
  CHECK(next(*viewer.body().stream).bytes == "styp moof1 mdat1");
  CHECK(next(*viewer.body().stream).aborted);  // no next part within 300 ms
  CHECK(node.failures.value() == 1);

  const std::string nowhere = "http://127.0.0.1:1";
  http::Request request{http::Verb::get, "/open/v0/2-t9.m4s", 11};
  const auto refused = resolve(node.relay->serve(request, nowhere, "/open/v0/2-t9.m4s", "k", 5s));
  CHECK(refused.result() == http::Status::service_unavailable);
}

TEST_CASE("segment relay: an HTTP/1.0 request (no chunked encoding) waits for the whole segment, never a stream") {
  Owner owner;
  Relayer node;
  http::Request request{http::Verb::get, "/open/v0/1-t0.m4s", 10};
  auto pending = node.relay->serve(request, owner.url(), "/open/v0/1-t0.m4s", "/open/v0/1-t0.m4s", 5s);
  CHECK(node.relay->in_flight() == 0);  // the pull cache's fetch, not a relay
  const auto upstream = owner.wait_open();
  upstream->push("styp moof1 mdat1");
  upstream->push("moof2 mdat2");
  upstream->end();
  const auto whole = resolve(std::move(pending));
  CHECK(whole.result() == http::Status::ok);
  CHECK_FALSE(whole.body().stream);
  CHECK(std::string(whole.body().bytes) == "styp moof1 mdat1moof2 mdat2");
}

TEST_CASE("segment relay: stop() ends the fetches in flight at once and starts no new ones") {
  Owner owner;
  Relayer node;
  const auto viewer = resolve(node.get(owner, "/open/v0/1-t0.m4s"));
  const auto upstream = owner.wait_open();
  upstream->push("styp moof1 mdat1");
  REQUIRE(viewer.body().stream);
  CHECK(next(*viewer.body().stream).bytes == "styp moof1 mdat1");
  node.relay->stop();  // the owner is still making the segment
  CHECK(next(*viewer.body().stream).aborted);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (node.relay->in_flight() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
  CHECK(node.relay->in_flight() == 0);
  auto later = node.get(owner, "/missing/v0/2-t0.m4s");  // the pull cache's fetch, not a relay
  CHECK(node.relay->in_flight() == 0);
  CHECK(resolve(std::move(later)).result() == http::Status::not_found);
}

// A deferred response completed with a stream (a low-latency segment relayed
// from another node, cluster/segment_relay.hpp) is sent as a stream: the
// head once the producer has it, then each push as a chunk.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "core/log.hpp"
#include "http/deferred_response.hpp"
#include "http/response_stream.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"

using namespace tidecast;
using namespace std::chrono_literals;

namespace {

// A reply that never comes fails the test instead of hanging it.
void give_up_after_seconds(test::HttpClient& client, int seconds) {
  timeval limit{.tv_sec = seconds, .tv_usec = 0};
  ::setsockopt(client.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

}  // namespace

TEST_CASE("a deferred response completed with a stream is streamed (GET), head only for HEAD") {
  boost::asio::io_context ioc;
  core::Logger log{core::LogLevel::off};
  core::IoPool loops{log, "http", 1};
  std::vector<std::thread> producers;
  http::HttpServer server(ioc, loops, log, http::ServerLimits{}, [&](const http::Request&, const http::ClientInfo&) {
    auto deferred = std::make_shared<http::DeferredResponse>();
    producers.emplace_back([deferred] {
      std::this_thread::sleep_for(50ms);  // the upstream head comes later
      http::ResponseStream::Options options;
      options.chunk_per_push = true;
      options.heartbeat.clear();
      auto stream = std::make_shared<http::ResponseStream>(options);
      http::Response res = http::make_stream_response(stream, "video/iso.segment");
      res.set("X-Served-By", "n2");
      deferred->complete(std::move(res));
      stream->push("moof1mdat1");
      std::this_thread::sleep_for(20ms);
      stream->push("moof2mdat2");
      stream->end();
    });
    return http::make_deferred_response(deferred);
  });
  server.listen("127.0.0.1", 0);
  server.start();
  loops.start();
  std::thread io([&] { ioc.run(); });

  {
    test::HttpClient client(server.port());
    give_up_after_seconds(client, 5);
    const auto reply = client.request("GET", "/live/c/v0/1-t0.m4s");
    CHECK(reply.status == 200);
    CHECK(reply.header("transfer-encoding") == "chunked");
    CHECK(reply.header("x-served-by") == "n2");
    CHECK(reply.body == "moof1mdat1moof2mdat2");
  }
  {
    test::HttpClient client(server.port());
    give_up_after_seconds(client, 5);
    const auto reply = client.request("HEAD", "/live/c/v0/1-t0.m4s");
    CHECK(reply.status == 200);
    CHECK(reply.body.empty());
  }

  server.stop();
  ioc.stop();
  io.join();
  loops.join(std::chrono::seconds(1));
  for (auto& producer : producers) producer.join();
}

TEST_CASE("a streamed answer to HTTP/1.0 is a 503 with no-store, never an empty 200 with the stream's cache headers") {
  // nginx with proxy_http_version 1.0 would keep an empty 200 "immutable" for a year.
  boost::asio::io_context ioc;
  core::Logger log{core::LogLevel::off};
  core::IoPool loops{log, "http", 1};
  std::vector<std::thread> producers;
  const auto segment = [] {
    http::ResponseStream::Options options;
    options.chunk_per_push = true;
    options.heartbeat.clear();
    auto stream = std::make_shared<http::ResponseStream>(options);
    http::Response res = http::make_stream_response(stream, "video/iso.segment");
    res.set(http::beast_http::field::cache_control, "public, max-age=31536000, immutable");
    res.set("X-Served-By", "n2");
    stream->push("moof1mdat1");
    return res;
  };
  http::HttpServer server(ioc, loops, log, http::ServerLimits{},
                          [&](const http::Request& request, const http::ClientInfo&) -> http::Response {
                            if (request.target() == "/now") return segment();  // answered at once (the owner)
                            auto deferred = std::make_shared<http::DeferredResponse>();
                            producers.emplace_back([deferred, &segment] {
                              std::this_thread::sleep_for(30ms);
                              deferred->complete(segment());  // answered later (a relay)
                            });
                            return http::make_deferred_response(deferred);
                          });
  server.listen("127.0.0.1", 0);
  server.start();
  loops.start();
  std::thread io([&] { ioc.run(); });

  for (const std::string target : {"/now", "/later"}) {
    CAPTURE(target);
    test::HttpClient client(server.port());
    give_up_after_seconds(client, 5);
    const auto reply = client.raw("GET " + target + " HTTP/1.0\r\nHost: x\r\n\r\n");
    CHECK(reply.status == 503);
    CHECK(reply.header("cache-control") == "no-store");
    CHECK(reply.header("retry-after") == "1");
    CHECK(reply.header("x-served-by") == "n2");
  }
  {
    test::HttpClient client(server.port());
    give_up_after_seconds(client, 5);
    const auto reply = client.request("HEAD", "/later");  // HTTP/1.1 HEAD: the head as it is
    CHECK(reply.status == 200);
    CHECK(reply.header("cache-control") == "public, max-age=31536000, immutable");
  }

  server.stop();
  ioc.stop();
  io.join();
  loops.join(std::chrono::seconds(1));
  for (auto& producer : producers) producer.join();
}

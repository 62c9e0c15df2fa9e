// The real server, started through the public API on port 0, spoken to over TCP.
#include <doctest/doctest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "catalog/catalog.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

using namespace tidecast::test;
using nlohmann::json;
namespace net = boost::asio;

namespace {
// A command-line API token (admin rights), made in the server's catalog the way `tidecast token add` does.
std::string admin_token(TestServer& server) {
  tidecast::catalog::Catalog catalog(server.data_dir() / "tidecast.db");
  return catalog.tokens().create("test").secret;
}
}  // namespace

TEST_CASE("health, version, and the embedded web page") {
  TestServer server;
  REQUIRE(server.http_port() != 0);
  const HttpReply health = http_get(server.http_port(), "/api/v1/health");
  CHECK(health.status == 200);
  CHECK(json::parse(health.body)["status"] == "ok");
  CHECK(json::parse(http_get(server.http_port(), "/api/v1/version").body)["version"] == tidecast::version());

  const HttpReply page = http_get(server.http_port(), "/");
  CHECK(page.status == 200);
  CHECK(page.header("content-type") == "text/html; charset=utf-8");
  CHECK(page.body.find("<!doctype html>") == 0);
}

TEST_CASE("keep-alive serves several requests on one connection; HEAD has no body") {
  TestServer server;
  HttpClient client(server.http_port());
  CHECK(client.request("GET", "/api/v1/health").status == 200);
  const HttpReply head = client.request("HEAD", "/");
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(std::stoul(head.header("content-length")) > 0);
  CHECK(client.request("GET", "/api/v1/version").status == 200);
}

TEST_CASE("conditional and partial requests") {
  TestServer server;
  const HttpReply full = http_get(server.http_port(), "/");
  const HttpReply partial = http_get(server.http_port(), "/", {{"Range", "bytes=0-9"}});
  CHECK(partial.status == 206);
  CHECK(partial.body.size() == 10);
  CHECK(partial.body == full.body.substr(0, 10));
  CHECK(http_get(server.http_port(), "/", {{"Range", "bytes=99999999-"}}).status == 416);
  CHECK(http_get(server.http_port(), "/", {{"If-None-Match", full.header("etag")}}).status == 304);
}

TEST_CASE("traversal never leaves the asset root") {
  TestServer server;
  for (const char* target : {"/../../etc/passwd", "/%2e%2e/", "/%2e%2e/%2e%2e/etc/passwd", "/web/..%2f..%2f",
                             "/web/..%2f..%2fetc%2fpasswd", "/..\\..\\etc\\passwd"}) {
    HttpClient client(server.http_port());
    const HttpReply reply = client.raw(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    CAPTURE(target);
    CHECK(reply.status == 400);
    CHECK(reply.body.find("root:") == std::string::npos);
  }
}

TEST_CASE("API errors are JSON") {
  TestServer server;
  const HttpReply missing = http_get(server.http_port(), "/api/v1/nope");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["error"]["code"] == "not_found");

  HttpClient client(server.http_port());
  const HttpReply wrong = client.request("DELETE", "/api/v1/health");
  CHECK(wrong.status == 405);
  CHECK(json::parse(wrong.body)["error"]["code"] == "method_not_allowed");

  const HttpReply anonymous =
      client.request("POST", "/api/v1/channels", R"({"name":"x"})", {{"Content-Type", "application/json"}});
  CHECK(anonymous.status == 401);
  CHECK(json::parse(anonymous.body)["error"]["code"] == "unauthorized");
  const HttpReply bad =
      client.request("POST", "/api/v1/channels", "{not json",
                     {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + admin_token(server)}});
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["code"] == "bad_json");
}

TEST_CASE("channels: create shows the key once, list never shows it") {
  TestServer server;
  HttpClient client(server.http_port());
  const std::map<std::string, std::string> headers = {{"Content-Type", "application/json"},
                                                      {"Authorization", "Bearer " + admin_token(server)}};
  const HttpReply created =
      client.request("POST", "/api/v1/channels", R"({"name":"studio","title":"Studio"})", headers);
  CHECK(created.status == 201);
  const json body = json::parse(created.body);
  const std::string key = body["stream_key"];
  CHECK(key.size() >= 32);
  CHECK(body["channel"]["hls"] == "/live/studio/master.m3u8");
  CHECK(body["channel"]["live"] == false);
  CHECK_FALSE(body["channel"].contains("owner"));  // a command-line token creates admin-owned channels

  const HttpReply list = client.request("GET", "/api/v1/channels");
  CHECK(json::parse(list.body)["channels"][0]["name"] == "studio");
  CHECK(list.body.find(key) == std::string::npos);

  CHECK(client.request("POST", "/api/v1/channels", R"({"name":"studio"})", headers).status == 409);
  CHECK(client.request("POST", "/api/v1/channels", R"({"name":"Bad Name"})", headers).status == 400);
  CHECK(client.request("POST", "/api/v1/channels", R"({"name":7})", headers).status == 400);
}

TEST_CASE("an oversized head gets 431 and the server still answers the next client") {
  TestServer server;
  {
    HttpClient client(server.http_port());
    const std::string huge(10000, 'a');
    const HttpReply reply = client.raw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n");
    CHECK(reply.status == 431);
  }
  CHECK(http_get(server.http_port(), "/api/v1/health").status == 200);
}

TEST_CASE("an oversized body gets 413 and the server still answers the next client") {
  TestServer server([](tidecast::Config& c) { c.http.max_body_bytes = 1024; });
  {
    HttpClient client(server.http_port());
    const HttpReply reply =
        client.request("POST", "/api/v1/channels", std::string(5000, 'x'), {{"Content-Type", "application/json"}});
    CHECK(reply.status == 413);
  }
  CHECK(http_get(server.http_port(), "/api/v1/health").status == 200);
}

TEST_CASE("a client sending one byte per second is cut off by the request timeout") {
  TestServer server([](tidecast::Config& c) { c.http.request_timeout_seconds = 2; });
  HttpClient slow(server.http_port());
  const std::string request = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
  bool cut_off = false;
  std::size_t sent = 0;
  for (; sent < request.size(); ++sent) {
    boost::system::error_code ec;
    net::write(slow.socket(), net::buffer(&request[sent], 1), ec);
    if (ec) {
      cut_off = true;
      break;
    }
    // The server closes its end; detect it without blocking.
    slow.socket().non_blocking(true);
    char byte;
    slow.socket().read_some(net::buffer(&byte, 1), ec);
    slow.socket().non_blocking(false);
    if (ec == net::error::eof || ec == net::error::connection_reset) {
      cut_off = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  CHECK(cut_off);
  CHECK(sent < 8);  // well before the request could finish
  CHECK(http_get(server.http_port(), "/api/v1/health").status == 200);
}

TEST_CASE("many clients at once are all served") {
  TestServer server;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      HttpClient client(server.http_port());
      for (int j = 0; j < 20; ++j) {
        if (client.request("GET", "/api/v1/health").status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 320);
}

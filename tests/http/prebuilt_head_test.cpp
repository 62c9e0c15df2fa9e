#include "http/prebuilt_head.hpp"

#include <doctest/doctest.h>

#include "http/serve_bytes.hpp"
#include "support/beast_head.hpp"

using namespace tidecast::http;

namespace {

using tidecast::test::beast_head;

Request get(std::string_view target, unsigned version = 11) {
  Request request{Verb::get, target, version};
  request.set(beast_http::field::host, "example.test");
  return request;
}

constexpr std::string_view kText = "#EXTM3U\n#EXT-X-VERSION:7\n";
constexpr std::string_view kType = "application/vnd.apple.mpegurl";
constexpr std::string_view kEtag = "\"0123456789abcdef-1a\"";
constexpr std::string_view kCache = "public, max-age=1";

// What the route answered before the head was prebuilt: serve_bytes plus CORS.
Response served(const Request& request) {
  Response res = serve_bytes(request, {BytesBody::value_type{nullptr, kText}, kType, kEtag, kCache});
  res.set(beast_http::field::access_control_allow_origin, "*");
  return res;
}

}  // namespace

TEST_CASE("prebuilt head: byte for byte the head serve_bytes gives a plain GET") {
  const std::string head = ok_head_text(
      {.content_type = kType, .content_length = kText.size(), .etag = kEtag, .cache_control = kCache, .cors = true});
  const Request request = get("/live/c/v0/media.m3u8");
  REQUIRE(takes_prebuilt_head(request));
  Response fast = prebuilt_response(BytesBody::value_type{nullptr, kText}, head);
  Response slow = served(request);
  CHECK(fast.result() == Status::ok);
  CHECK(BytesBody::size(fast.body()) == kText.size());
  std::string text;
  append_prebuilt_head_text(fast, text);
  CHECK(text == beast_head(slow));

  // Fields set afterwards (the session's Connection: close, a cluster's
  // X-Served-By) follow the prebuilt ones, as they would have.
  for (Response* res : {&fast, &slow}) {
    res->set("X-Served-By", "n1");
    res->keep_alive(false);
  }
  text = "kept ";
  append_prebuilt_head_text(fast, text);
  CHECK(text == "kept " + beast_head(slow));
  CHECK(text.ends_with("X-Served-By: n1\r\nConnection: close\r\n\r\n"));
}

TEST_CASE("prebuilt head: optional fields left out") {
  CHECK(ok_head_text({.content_type = "application/dash+xml", .content_length = 0}) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/dash+xml\r\nContent-Length: 0\r\nAccept-Ranges: bytes\r\n");
}

TEST_CASE("prebuilt head: only for a plain GET over HTTP/1.1") {
  CHECK(takes_prebuilt_head(get("/a")));
  CHECK_FALSE(takes_prebuilt_head(get("/a", 10)));  // HTTP/1.0 gets its own version and Connection field
  Request head = get("/a");
  head.method(Verb::head);
  CHECK_FALSE(takes_prebuilt_head(head));
  Request conditional = get("/a");
  conditional.set(beast_http::field::if_none_match, std::string(kEtag));
  CHECK_FALSE(takes_prebuilt_head(conditional));
  Request partial = get("/a");
  partial.set(beast_http::field::range, "bytes=0-3");
  CHECK_FALSE(takes_prebuilt_head(partial));
}

#include <doctest/doctest.h>

#include "http/path.hpp"

using tidecast::http::normalize_path;
using tidecast::http::parse_query;

TEST_CASE("traversal attempts never normalise to a path") {
  CHECK_FALSE(normalize_path("/../../etc/passwd"));
  CHECK_FALSE(normalize_path("/%2e%2e/"));
  CHECK_FALSE(normalize_path("/%2E%2E/etc/passwd"));
  CHECK_FALSE(normalize_path("/web/..%2f..%2f"));
  CHECK_FALSE(normalize_path("/web/..%2F..%2Fetc%2Fpasswd"));
  CHECK_FALSE(normalize_path("/a/..\\..\\b"));
  CHECK_FALSE(normalize_path("/a/%5c..%5c"));
  CHECK_FALSE(normalize_path("/a%00.html"));
  CHECK_FALSE(normalize_path("/a%0a"));
  CHECK_FALSE(normalize_path("/bad%zz"));
  CHECK_FALSE(normalize_path("/trailing%2"));
  CHECK_FALSE(normalize_path("relative/path"));
  CHECK_FALSE(normalize_path("http://host/x"));
}

TEST_CASE("ordinary paths are cleaned up") {
  CHECK(*normalize_path("/") == "/");
  CHECK(*normalize_path("/index.html?x=1") == "/index.html");
  CHECK(*normalize_path("/a/./b//c/") == "/a/b/c");
  CHECK(*normalize_path("/live/my%20show/master.m3u8") == "/live/my show/master.m3u8");
  CHECK(*normalize_path("/a..b/c") == "/a..b/c");  // dots inside a name are fine
  // Paths already normal are returned as they are; near misses still take the long way.
  CHECK(*normalize_path("/live/c/v0/media.m3u8") == "/live/c/v0/media.m3u8");
  CHECK(*normalize_path("/a/b/") == "/a/b");
  CHECK(*normalize_path("/a/.b/c") == "/a/.b/c");
  CHECK(*normalize_path("/a/./b") == "/a/b");
  CHECK(*normalize_path("//a") == "/a");
  CHECK_FALSE(normalize_path("/a/.."));
  CHECK_FALSE(normalize_path(std::string_view("/a\0b", 4)));
  CHECK_FALSE(normalize_path("/a\\b"));
  CHECK_FALSE(normalize_path("/a\x7f"));
}

TEST_CASE("query strings decode") {
  const auto q = parse_query("/x?a=1&b=x%20y&c=p+q&&bad=%zz&=v");
  CHECK(q.at("a") == "1");
  CHECK(q.at("b") == "x y");
  CHECK(q.at("c") == "p q");
  CHECK_FALSE(q.contains("bad"));
  CHECK(q.size() == 3);
}

TEST_CASE("a raw NUL is refused like %00 (found by fuzz_http_path / fuzz_http_query)") {
  using namespace std::string_view_literals;
  CHECK_FALSE(tidecast::http::percent_decode("a\0b"sv));
  CHECK_FALSE(tidecast::http::percent_decode("a%00b"sv));
  const auto q = parse_query("/x?name=a\0b&ok=1"sv);
  CHECK_FALSE(q.contains("name"));
  CHECK(q.at("ok") == "1");
}

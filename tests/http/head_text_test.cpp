#include "http/head_text.hpp"

#include <doctest/doctest.h>

#include <boost/beast/http/write.hpp>
#include <sstream>

using namespace tidecast::http;

namespace {

// What Beast itself writes for the head.
std::string beast_head(const Response& response) {
  std::ostringstream out;
  out << response.base();
  return out.str();
}

}  // namespace

TEST_CASE("head text: byte for byte what Beast writes") {
  Response ok = make_text(Status::ok, "#EXTM3U\n", "application/vnd.apple.mpegurl");
  ok.set(beast_http::field::etag, "\"abc-8\"");
  ok.set(beast_http::field::cache_control, "public, max-age=1");
  ok.set("X-Served-By", "n1");
  ok.keep_alive(false);
  for (unsigned version : {10u, 11u}) {
    ok.version(version);
    std::string text;
    append_head_text(ok, text);
    CHECK(text == beast_head(ok));
  }
  Response missing = make_json_error(Status::not_found, "not_found", "no such track");
  std::string text = "kept ";
  append_head_text(missing, text);
  CHECK(text == "kept " + beast_head(missing));
  CHECK(text.starts_with("kept HTTP/1.1 404 Not Found\r\n"));
  CHECK(text.ends_with("\r\n\r\n"));

  Response custom{Status::ok, 11};
  custom.reason("Fine");
  text.clear();
  append_head_text(custom, text);
  CHECK(text == "HTTP/1.1 200 Fine\r\n\r\n");
}

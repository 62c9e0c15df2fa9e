#include "http/head_text.hpp"

#include <doctest/doctest.h>

#include "support/beast_head.hpp"

using namespace tidecast::http;

using tidecast::test::beast_head;

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

TEST_CASE("body buffers: bytes whole, pieces by the requested span, never joined") {
  std::vector<boost::asio::const_buffer> out;
  BytesBody::value_type bytes{nullptr, "0123456789"};
  append_body_buffers(bytes, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].size() == 10);

  auto span = std::make_shared<PieceSpan>();
  span->pieces = {"abcd", "efgh", "ij"};
  span->offset = 3;
  span->length = 6;  // "defghi"
  BytesBody::value_type pieces;
  pieces.pieces = span;
  out.clear();
  append_body_buffers(pieces, out);
  std::string joined;
  for (const auto& buffer : out) joined.append(static_cast<const char*>(buffer.data()), buffer.size());
  CHECK(joined == "defghi");
  CHECK(out.size() == 3);

  span->offset = 0;
  span->length = 10;
  out.clear();
  append_body_buffers(pieces, out);
  CHECK(out.size() == 3);
  BytesBody::value_type empty;
  out.clear();
  append_body_buffers(empty, out);
  CHECK(out.empty());
}

#include "http/content_coding.hpp"

#include <doctest/doctest.h>

using namespace tidecast::http;

namespace {
constexpr AvailableCodings kBoth{.gzip = true, .br = true};
constexpr AvailableCodings kGzipOnly{.gzip = true, .br = false};
constexpr AvailableCodings kNone{};
}  // namespace

TEST_CASE("no or empty Accept-Encoding gets identity") {
  CHECK(choose_content_coding("", kBoth) == ContentCoding::identity);
  CHECK(choose_content_coding("   ", kBoth) == ContentCoding::identity);
  CHECK(choose_content_coding("identity", kBoth) == ContentCoding::identity);
}

TEST_CASE("br is preferred over gzip when both are accepted") {
  CHECK(choose_content_coding("gzip, deflate, br, zstd", kBoth) == ContentCoding::br);  // Chromium
  CHECK(choose_content_coding("gzip, deflate, br", kBoth) == ContentCoding::br);        // Firefox
  CHECK(choose_content_coding("br;q=1.0, gzip;q=1.0", kBoth) == ContentCoding::br);
  CHECK(choose_content_coding("BR, GZip", kBoth) == ContentCoding::br);  // codings are case-insensitive
  CHECK(choose_content_coding("gzip, br", kGzipOnly) == ContentCoding::gzip);
  CHECK(choose_content_coding("gzip, br", kNone) == ContentCoding::identity);
  CHECK(choose_content_coding("gzip", kBoth) == ContentCoding::gzip);
  CHECK(choose_content_coding("x-gzip", kBoth) == ContentCoding::gzip);
  CHECK(choose_content_coding("deflate, zstd", kBoth) == ContentCoding::identity);
}

TEST_CASE("q values decide, and q=0 refuses") {
  CHECK(choose_content_coding("br;q=0, gzip", kBoth) == ContentCoding::gzip);
  CHECK(choose_content_coding("br;q=0.000, gzip;q=0", kBoth) == ContentCoding::identity);
  CHECK(choose_content_coding("gzip;q=1, br;q=0.5", kBoth) == ContentCoding::gzip);
  CHECK(choose_content_coding("gzip ; q=0.8 , br ; Q=0.9", kBoth) == ContentCoding::br);
  CHECK(choose_content_coding("identity;q=1, br;q=0.5", kBoth) == ContentCoding::identity);
  CHECK(choose_content_coding("identity;q=0.4, br;q=0.5", kBoth) == ContentCoding::br);
}

TEST_CASE("* stands for every coding not named") {
  CHECK(choose_content_coding("*", kBoth) == ContentCoding::br);
  CHECK(choose_content_coding("*", kGzipOnly) == ContentCoding::gzip);
  CHECK(choose_content_coding("*;q=0", kBoth) == ContentCoding::identity);  // refuses all: plain bytes anyway
  CHECK(choose_content_coding("*;q=0, gzip", kBoth) == ContentCoding::gzip);
  CHECK(choose_content_coding("br;q=0, *", kBoth) == ContentCoding::gzip);
  CHECK(choose_content_coding("*;q=0.5, identity", kBoth) == ContentCoding::identity);
}

TEST_CASE("malformed entries count as not sent") {
  CHECK(choose_content_coding("br;q=2, gzip", kBoth) == ContentCoding::gzip);
  CHECK(choose_content_coding("br;q=abc", kBoth) == ContentCoding::identity);
  CHECK(choose_content_coding("br;q=0.12345", kBoth) == ContentCoding::identity);
  CHECK(choose_content_coding("br;q=", kBoth) == ContentCoding::identity);
  CHECK(choose_content_coding(",,;;, ;q=1,br", kBoth) == ContentCoding::br);
  CHECK(choose_content_coding("brotli, gzipx", kBoth) == ContentCoding::identity);
}

TEST_CASE("coding names for Content-Encoding") {
  CHECK(content_coding_name(ContentCoding::br) == "br");
  CHECK(content_coding_name(ContentCoding::gzip) == "gzip");
  CHECK(content_coding_name(ContentCoding::identity).empty());
}

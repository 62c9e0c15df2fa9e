#include "http/tus.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace tidecast::http::tus;

TEST_CASE("tus sizes are plain non-negative decimals") {
  CHECK(parse_size("0") == 0u);
  CHECK(parse_size("1234567890") == 1234567890u);
  CHECK(parse_size("999999999999999999") == 999999999999999999u);
  CHECK_FALSE(parse_size(""));
  CHECK_FALSE(parse_size("-1"));
  CHECK_FALSE(parse_size("+5"));
  CHECK_FALSE(parse_size(" 5"));
  CHECK_FALSE(parse_size("5 "));
  CHECK_FALSE(parse_size("1e3"));
  CHECK_FALSE(parse_size("0x10"));
  CHECK_FALSE(parse_size("1000000000000000000"));  // 19 digits: refused, not wrapped
}

TEST_CASE("base64 decodes with and without padding, refuses garbage") {
  CHECK(base64_decode("") == std::string());
  CHECK(base64_decode("Zg==") == std::string("f"));
  CHECK(base64_decode("Zm8=") == std::string("fo"));
  CHECK(base64_decode("Zm9v") == std::string("foo"));
  CHECK(base64_decode("d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==") == std::string("world_domination_plan.pdf"));
  CHECK_FALSE(base64_decode("Zm9"));  // length not a multiple of 4
  CHECK_FALSE(base64_decode("Zm9v!A=="));
  CHECK_FALSE(base64_decode("Z=9v"));  // '=' in the middle
  CHECK_FALSE(base64_decode("Zg==Zg=="));
  for (const std::string& text : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    CHECK(base64_decode(base64_encode(text)) == text);
  }
}

TEST_CASE("Upload-Metadata pairs") {
  const auto meta = parse_metadata("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential, title TXkgdmlkZW8=");
  REQUIRE(meta);
  CHECK(meta->size() == 3);
  CHECK(meta->at("filename") == "world_domination_plan.pdf");
  CHECK(meta->at("is_confidential").empty());
  CHECK(meta->at("title") == "My video");
  CHECK(parse_metadata("")->empty());
  CHECK(parse_metadata("   ")->empty());
  CHECK_FALSE(parse_metadata("filename !!!"));    // bad base64
  CHECK_FALSE(parse_metadata("a Zg==,a Zg=="));   // duplicate key
  CHECK_FALSE(parse_metadata("a Zg==,,b Zg=="));  // empty pair
  CHECK_FALSE(parse_metadata("a Zg== Zg=="));     // two values
}

#include <doctest/doctest.h>

#include <set>

#include "core/crypto.hpp"

TEST_CASE("sha256 matches the known vector") {
  CHECK(tidecast::core::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("random tokens are URL-safe and distinct") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string token = tidecast::core::random_token(24);
    CHECK(token.size() == 33);
    for (char c : token) CHECK(std::isalnum(static_cast<unsigned char>(c)));
    seen.insert(token);
  }
  CHECK(seen.size() == 200);
}

TEST_CASE("constant-time compare") {
  CHECK(tidecast::core::constant_time_equal("abc", "abc"));
  CHECK_FALSE(tidecast::core::constant_time_equal("abc", "abd"));
  CHECK_FALSE(tidecast::core::constant_time_equal("abc", "abcd"));
}

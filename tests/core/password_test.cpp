#include "core/password.hpp"

#include <doctest/doctest.h>

#include "core/rate_limiter.hpp"

using namespace tidecast::core;

TEST_CASE("passwords are stored as Argon2id and verify only with the right password") {
  const std::string hash = hash_password("correct horse");
  CHECK(hash.starts_with("$argon2id$"));
  CHECK(hash.find("correct horse") == std::string::npos);
  CHECK(verify_password(hash, "correct horse"));
  CHECK_FALSE(verify_password(hash, "correct hors"));
  CHECK_FALSE(verify_password(hash, ""));
  CHECK_FALSE(verify_password("not a hash", "correct horse"));
  CHECK_FALSE(verify_password("", ""));
  CHECK(hash_password("correct horse") != hash);  // salted
  CHECK_FALSE(verify_password(hash, std::string(kMaxPasswordBytes + 1, 'a')));
  CHECK(generate_password().size() == 24);
  CHECK(generate_password() != generate_password());
}

TEST_CASE("the rate limiter allows N per minute per key and says when to come back") {
  RateLimiter limiter(3);
  CHECK(limiter.attempt("1.2.3.4", 0) == 0);
  CHECK(limiter.attempt("1.2.3.4", 10'000) == 0);
  CHECK(limiter.attempt("1.2.3.4", 20'000) == 0);
  CHECK(limiter.attempt("1.2.3.4", 30'000) == 30);  // the first attempt leaves the window at 60 s
  CHECK(limiter.attempt("5.6.7.8", 30'000) == 0);   // per key
  CHECK(limiter.attempt("1.2.3.4", 59'999) == 1);
  CHECK(limiter.attempt("1.2.3.4", 60'000) == 0);
  CHECK(limiter.attempt("1.2.3.4", 60'001) == 10);
}

#include "core/log_throttle.hpp"

#include <doctest/doctest.h>

using tidecast::core::LogThrottle;
using namespace std::chrono_literals;

TEST_CASE("one line per key per interval, with the number held back since the last") {
  LogThrottle throttle(60s);
  const auto t0 = LogThrottle::Clock::time_point{} + 1000s;
  CHECK(throttle.allow("a", t0) == 0u);
  for (int i = 0; i < 49; ++i) CHECK_FALSE(throttle.allow("a", t0 + 1s));
  CHECK(throttle.allow("b", t0 + 2s) == 0u);  // keys are independent
  CHECK_FALSE(throttle.allow("a", t0 + 59s));
  CHECK(throttle.allow("a", t0 + 60s) == 50u);
  CHECK_FALSE(throttle.allow("a", t0 + 61s));
}

TEST_CASE("many keys: old ones are forgotten, recent ones still held back") {
  LogThrottle throttle(60s);
  const auto t0 = LogThrottle::Clock::time_point{} + 1000s;
  for (int i = 0; i < 5000; ++i) CHECK(throttle.allow("k" + std::to_string(i), t0));
  CHECK_FALSE(throttle.allow("k1", t0 + 10s));
  CHECK(throttle.allow("k2", t0 + 61s) == 0u);  // pruned with the others: a fresh start
}

#include "core/connection_limiter.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/captured_log.hpp"

using namespace tidecast::core;
using boost::asio::ip::make_address;
using namespace std::chrono_literals;
using tidecast::test::CapturedLog;
using tidecast::test::count_of;

TEST_CASE("per-address cap: other addresses still get in; a dropped slot frees its place") {
  CapturedLog captured;
  Logger& log = captured.logger();
  auto limiter = std::make_shared<ConnectionLimiter>(log, "http", ConnectionLimits{10, 2});
  std::vector<Refusal> refused;
  limiter->on_refused([&](Refusal r) { refused.push_back(r); });
  const auto a = make_address("192.0.2.1");
  const auto b = make_address("2001:db8::1");

  auto s1 = limiter->admit(a);
  auto s2 = limiter->admit(a);
  CHECK(s1);
  CHECK(s2);
  CHECK_FALSE(limiter->admit(a));
  CHECK(limiter->admit(b));  // a temporary: released at once
  CHECK(limiter->active() == 2);
  CHECK(limiter->active(a) == 2);
  CHECK(limiter->active(b) == 0);
  // An IPv4-mapped IPv6 peer (dual-stack listener) is the same client.
  CHECK_FALSE(limiter->admit(make_address("::ffff:192.0.2.1")));
  s1.reset();
  CHECK(limiter->active(a) == 1);
  CHECK(limiter->admit(a));
  REQUIRE(refused.size() == 2);
  CHECK(refused[0] == Refusal::per_address);
  const std::string text = captured.text();
  CHECK(text.find("WARN http connection refused limit=per_address max_connections_per_ip=2 client=192.0.2.1") !=
        std::string::npos);
}

TEST_CASE("total cap refuses every address") {
  CapturedLog captured;
  Logger& log = captured.logger();
  auto limiter = std::make_shared<ConnectionLimiter>(log, "rtmp", ConnectionLimits{3, 3});
  std::vector<ConnectionLimiter::Slot> slots;
  for (int i = 1; i <= 3; ++i) slots.push_back(limiter->admit(make_address("198.51.100." + std::to_string(i))));
  for (const auto& slot : slots) CHECK(slot);
  int refused_total = 0;
  limiter->on_refused([&](Refusal r) { refused_total += r == Refusal::total; });
  CHECK_FALSE(limiter->admit(make_address("198.51.100.9")));
  slots.pop_back();
  CHECK(limiter->admit(make_address("198.51.100.9")));
  CHECK(refused_total == 1);
}

TEST_CASE("refusals are logged once per address per interval, with the count in between") {
  CapturedLog captured;
  Logger& log = captured.logger();
  auto limiter = std::make_shared<ConnectionLimiter>(log, "http", ConnectionLimits{100, 1}, 60s);
  int counted = 0;
  limiter->on_refused([&](Refusal) { ++counted; });
  const auto t0 = ConnectionLimiter::Clock::now();
  const auto a = make_address("192.0.2.7");
  const auto b = make_address("192.0.2.8");
  auto held_a = limiter->admit(a, t0);
  auto held_b = limiter->admit(b, t0);
  for (int i = 0; i < 500; ++i) CHECK_FALSE(limiter->admit(a, t0 + std::chrono::milliseconds(i)));
  for (int i = 0; i < 5; ++i) CHECK_FALSE(limiter->admit(b, t0 + 1s));
  CHECK_FALSE(limiter->admit(a, t0 + 61s));  // a new interval: one more line, with the count
  CHECK(counted == 506);
  const std::string text = captured.text();
  CHECK(count_of(text, "client=192.0.2.7") == 2);
  CHECK(count_of(text, "client=192.0.2.8") == 1);
  CHECK(text.find("client=192.0.2.7 refused_since_last_line=499") != std::string::npos);
}

TEST_CASE("a slot outliving its limiter is harmless") {
  Logger log(LogLevel::off);
  ConnectionLimiter::Slot slot;
  {
    auto limiter = std::make_shared<ConnectionLimiter>(log, "http", ConnectionLimits{1, 1});
    slot = limiter->admit(make_address("127.0.0.1"));
    CHECK(slot);
  }
  slot.reset();
}

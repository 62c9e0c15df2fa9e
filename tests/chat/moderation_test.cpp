#include "chat/moderation.hpp"

#include <doctest/doctest.h>

using namespace tidecast::chat;

namespace {
const Poster ann{.user_id = 1, .address = "192.0.2.1"};
const Poster guest{.address = "192.0.2.9"};
}  // namespace

TEST_CASE("chat moderation: a burst, then one message per refill interval") {
  Moderation m({}, {.burst = 3, .refill_ms = 1000});
  for (int i = 0; i < 3; ++i) CHECK(m.check_post(ann, "hi", 0).ok());
  const auto refused = m.check_post(ann, "hi", 0);
  CHECK(refused.refusal == Refusal::rate_limited);
  CHECK(refused.retry_after_ms > 0);
  CHECK(refused.retry_after_ms <= 1001);
  CHECK(m.check_post(guest, "hi", 0).ok());  // others have their own budget
  CHECK(m.check_post(ann, "hi", 1000).ok());
  CHECK_FALSE(m.check_post(ann, "hi", 1100).ok());
}

TEST_CASE("chat moderation: guests are limited per address, users per account") {
  Moderation m({}, {.burst = 1, .refill_ms = 10'000});
  CHECK(m.check_post(guest, "a", 0).ok());
  CHECK_FALSE(m.check_post(Poster{.address = "192.0.2.9"}, "a", 1).ok());
  // A signed-in user on the same address is counted on their account.
  CHECK(m.check_post(Poster{.user_id = 7, .address = "192.0.2.9"}, "a", 2).ok());
}

TEST_CASE("chat moderation: slow mode, except for moderators") {
  Moderation m({.slow_seconds = 10}, {.burst = 5, .refill_ms = 100});
  CHECK(m.check_post(ann, "one", 0).ok());
  const auto slow = m.check_post(ann, "two", 4000);
  CHECK(slow.refusal == Refusal::slow_mode);
  CHECK(slow.retry_after_ms == 6000);
  CHECK(m.check_post(ann, "two", 10'000).ok());
  const Poster mod{.user_id = 2, .address = "a", .moderator = true};
  CHECK(m.check_post(mod, "one", 0).ok());
  CHECK(m.check_post(mod, "two", 1).ok());
}

TEST_CASE("chat moderation: links off") {
  Moderation m({.links = false});
  CHECK(m.check_post(ann, "see example.com", 0).refusal == Refusal::links);
  CHECK(m.check_post(ann, "no link here", 0).ok());
  CHECK(m.check_post(Poster{.user_id = 2, .moderator = true}, "https://example.com", 0).ok());
  m.set_settings({.links = true});
  CHECK(m.check_post(ann, "see example.com", 10'000).ok());
}

TEST_CASE("chat moderation: bans by user or address, timeouts that end") {
  Moderation m;
  m.add_ban({.user_id = 1});
  CHECK(m.check_post(ann, "hi", 0).refusal == Refusal::banned);
  // Banning the account does not ban everyone behind the same address.
  CHECK(m.check_post(Poster{.user_id = 3, .address = "192.0.2.1"}, "hi", 0).ok());
  m.add_ban({.address = "192.0.2.9", .until_ms = 60'000});
  const auto timed_out = m.check_post(guest, "hi", 1000);
  CHECK(timed_out.refusal == Refusal::timed_out);
  CHECK(timed_out.retry_after_ms == 59'000);
  CHECK(m.check_post(guest, "hi", 60'000).ok());  // over
  CHECK(m.bans().size() == 1);
  m.lift(1, "");
  CHECK(m.check_post(ann, "hi", 61'000).ok());
  CHECK(m.bans().empty());
}

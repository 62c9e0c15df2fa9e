#include "transcode/load_governor.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/captured_log.hpp"

using namespace tidecast::transcode;
using tidecast::test::CapturedLog;
using tidecast::test::count_of;

namespace {

constexpr double kShedQueue = 3.0;
constexpr double kRestoreAfter = 10.0;

// Rungs listed cheapest-first on purpose: the governor must go by cost, not position.
std::vector<RungPlan> ladder() {
  std::vector<RungPlan> plans;
  for (const auto& [name, cost] : std::vector<std::pair<std::string, double>>{
           {"360p", 640.0 * 360}, {"1080p", 1920.0 * 1080}, {"720p", 1280.0 * 720}}) {
    RungPlan plan{};
    plan.rung.name = name;
    plan.cost = cost;
    plans.push_back(plan);
  }
  return plans;
}
constexpr std::size_t k360 = 0, k1080 = 1, k720 = 2;

// Shed `rung` now and let its IDR pass, so it counts as shed.
void shed_through_idr(LoadGovernor& governor, std::size_t rung, double now) {
  governor.check(kShedQueue + 1, now);
  REQUIRE(governor.feed(rung) == Feed::stopping);
  REQUIRE(governor.switch_at_idr(rung));
}

}  // namespace

TEST_CASE("the governor keeps its tuning") {
  CHECK(LoadGovernor::kCalmQueueSeconds == 0.5);
  CHECK(LoadGovernor::kShedSpacingSeconds == 2.0);
  CHECK(LoadGovernor::kReshedWindowSeconds == 60.0);
  CHECK(LoadGovernor::kMaxBackoff == 32);
}

TEST_CASE("a queue over the bound sheds the costliest active rung, one at a time, 2 media seconds apart") {
  CapturedLog out;
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, &out.logger(), "cam");
  governor.check(kShedQueue, 0);  // at the bound: not over it
  CHECK(governor.feed(k1080) == Feed::active);

  governor.check(4.0, 1);
  CHECK(governor.feed(k1080) == Feed::stopping);
  CHECK(governor.fed(k1080));  // until its IDR
  CHECK(governor.shed_count(k1080) == 1);
  CHECK(governor.feed(k720) == Feed::active);

  governor.check(4.0, 2.9);  // too soon after the last shed
  CHECK(governor.feed(k720) == Feed::active);

  governor.check(4.0, 3);  // 1080p is no longer active: 720p is the costliest left
  CHECK(governor.feed(k720) == Feed::stopping);
  CHECK(governor.feed(k360) == Feed::active);

  const std::string text = out.text();
  CHECK(text.find("WARN transcode overload stream=cam shedding rung=1080p queue_seconds=4.0 sheds=1\n") !=
        std::string::npos);
  CHECK(text.find("shedding rung=720p queue_seconds=4.0 sheds=1\n") != std::string::npos);
  CHECK(count_of(text, "shedding") == 2);
}

TEST_CASE("once every rung is given up nothing more is shed (the passthrough is not the governor's)") {
  CapturedLog out;
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, &out.logger(), "cam");
  for (double now : {0.0, 2.0, 4.0, 6.0, 8.0}) governor.check(100, now);
  for (std::size_t rung : {k360, k720, k1080}) {
    CHECK(governor.feed(rung) == Feed::stopping);
    CHECK(governor.shed_count(rung) == 1);
  }
  CHECK(count_of(out.text(), "shedding") == 3);

  LoadGovernor passthrough_only({}, kShedQueue, kRestoreAfter, &out.logger(), "solo");
  passthrough_only.check(100, 0);
  CHECK(out.text().find("stream=solo") == std::string::npos);
}

TEST_CASE("feed changes wait for an aligned IDR") {
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, nullptr, "cam");
  CHECK_FALSE(governor.switch_at_idr(k1080));  // active stays active
  CHECK(governor.feed(k1080) == Feed::active);

  governor.check(4.0, 0);
  CHECK(governor.switch_at_idr(k1080));  // stopping -> shed: flush its encoder
  CHECK(governor.feed(k1080) == Feed::shed);
  CHECK_FALSE(governor.fed(k1080));
  CHECK_FALSE(governor.switch_at_idr(k1080));  // shed stays shed

  governor.check(0.1, 10);
  governor.check(0.1, 20);
  CHECK(governor.feed(k1080) == Feed::starting);
  CHECK_FALSE(governor.fed(k1080));  // not before its IDR
  CHECK_FALSE(governor.switch_at_idr(k1080));
  CHECK(governor.feed(k1080) == Feed::active);
  CHECK(governor.fed(k1080));
}

TEST_CASE("a rung still stopping is not restored, and a failed rung is neither shed nor restored") {
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, nullptr, "cam");
  governor.mark_failed(k1080);
  CHECK_FALSE(governor.fed(k1080));
  governor.check(4.0, 0);
  CHECK(governor.feed(k1080) == Feed::failed);
  CHECK(governor.feed(k720) == Feed::stopping);  // the costliest that still runs
  for (double now = 1; now <= 100; now += 1) governor.check(0.1, now);
  CHECK(governor.feed(k720) == Feed::stopping);  // its IDR never came: nothing to restore
  CHECK(governor.feed(k1080) == Feed::failed);
}

TEST_CASE("after restore_after_seconds of calm the most recently shed rung comes back, one per calm stretch") {
  CapturedLog out;
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, &out.logger(), "cam");
  shed_through_idr(governor, k1080, 0);
  shed_through_idr(governor, k720, 2);

  governor.check(0.1, 3);  // calm from here
  governor.check(0.1, 12.9);
  CHECK(governor.feed(k720) == Feed::shed);
  governor.check(0.1, 13);
  CHECK(governor.feed(k720) == Feed::starting);
  CHECK(governor.feed(k1080) == Feed::shed);
  CHECK(out.text().find("INFO transcode load ok stream=cam restoring rung=720p\n") != std::string::npos);

  governor.check(0.1, 22.9);  // the next one needs its own calm stretch
  CHECK(governor.feed(k1080) == Feed::shed);
  governor.check(0.1, 23);
  CHECK(governor.feed(k1080) == Feed::starting);
  CHECK(count_of(out.text(), "restoring") == 2);
}

TEST_CASE("a queue of half a second or more breaks the calm stretch") {
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, nullptr, "cam");
  shed_through_idr(governor, k1080, 0);
  governor.check(0.1, 1);
  governor.check(0.5, 8);  // not calm: start over
  governor.check(0.1, 9);
  governor.check(0.1, 18.9);
  CHECK(governor.feed(k1080) == Feed::shed);
  governor.check(0.1, 19);
  CHECK(governor.feed(k1080) == Feed::starting);
}

TEST_CASE("a rung shed again within 60 s of its restore waits twice as long next time, up to 32x") {
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, nullptr, "cam");
  double now = 0;
  shed_through_idr(governor, k1080, now);
  CHECK(governor.backoff(k1080) == 1);
  for (int expected : {2, 4, 8, 16, 32, 32}) {
    const int backoff = governor.backoff(k1080);
    governor.check(0.1, now + 1);  // calm starts
    governor.check(0.1, now + 1 + kRestoreAfter * backoff - 0.5);
    REQUIRE(governor.feed(k1080) == Feed::shed);  // not yet: it waits backoff times as long
    now = now + 1 + kRestoreAfter * backoff;
    governor.check(0.1, now);
    REQUIRE(governor.feed(k1080) == Feed::starting);
    CHECK_FALSE(governor.switch_at_idr(k1080));
    now += 59;  // overloaded again within the minute
    shed_through_idr(governor, k1080, now);
    CHECK(governor.backoff(k1080) == expected);
  }
}

TEST_CASE("a rung shed a minute or more after its restore keeps its backoff") {
  LoadGovernor governor(ladder(), kShedQueue, kRestoreAfter, nullptr, "cam");
  shed_through_idr(governor, k1080, 0);
  governor.check(0.1, 1);
  governor.check(0.1, 11);
  REQUIRE(governor.feed(k1080) == Feed::starting);
  governor.switch_at_idr(k1080);
  shed_through_idr(governor, k1080, 71);
  CHECK(governor.backoff(k1080) == 1);
  CHECK(governor.shed_count(k1080) == 2);
}

#include "api/view_counter.hpp"

#include <doctest/doctest.h>

#include <string>

using tidecast::api::ViewCounter;
using tidecast::api::ViewCounterOptions;
using namespace std::chrono_literals;

TEST_CASE("a view counts once per viewer per video within the window") {
  ViewCounter counter;
  const auto t0 = ViewCounter::Clock::time_point{} + 1h;
  CHECK(counter.record("vid1", "10.0.0.1", t0));
  CHECK_FALSE(counter.record("vid1", "10.0.0.1", t0 + 1s));     // a reload
  CHECK_FALSE(counter.record("vid1", "10.0.0.1", t0 + 29min));  // still within 30 min
  CHECK(counter.record("vid1", "10.0.0.2", t0 + 2s));           // another viewer
  CHECK(counter.record("vid2", "10.0.0.1", t0 + 3s));           // another video
  auto pending = counter.take_pending();
  CHECK(pending.size() == 2);
  CHECK(pending["vid1"] == 2);
  CHECK(pending["vid2"] == 1);
  CHECK(counter.take_pending().empty());                  // taken
  CHECK(counter.record("vid1", "10.0.0.1", t0 + 30min));  // the window has passed
  CHECK(counter.take_pending()["vid1"] == 1);
}

TEST_CASE("views a flush could not write go out with the next one") {
  ViewCounter counter;
  const auto t0 = ViewCounter::Clock::time_point{} + 1h;
  CHECK(counter.record("vid1", "a", t0));
  auto failed = counter.take_pending();
  CHECK(counter.record("vid1", "b", t0));
  counter.restore(failed);
  CHECK(counter.take_pending()["vid1"] == 2);
}

TEST_CASE("memory is bounded: past the limit the oldest viewers are forgotten") {
  ViewCounter counter(ViewCounterOptions{.window = 30min, .max_entries = 100});
  const auto t0 = ViewCounter::Clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i) CHECK(counter.record("vid1", "10.0." + std::to_string(i), t0 + i * 1ms));
  CHECK(counter.remembered() == 100);
  CHECK(counter.take_pending()["vid1"] == 1000);
  CHECK_FALSE(counter.record("vid1", "10.0.999", t0 + 2s));  // recent: still remembered
  CHECK(counter.record("vid1", "10.0.0", t0 + 2s));          // forgotten early: counts again
  // Expired entries go as time passes, without any new viewer pushing them out.
  CHECK(counter.record("vid2", "x", t0 + 31min));
  CHECK(counter.remembered() == 1);
}

#pragma once
// Who has watched what lately, in memory: a view counts once per viewer
// address per video per window (30 min), and counted views wait here until
// the next flush writes them in one transaction (api/view_recorder.hpp). Pure
// (no I/O, time given), so the dedup rule is unit-tested.
//
// Memory is bounded: past `max_entries` remembered (video, viewer) pairs the
// oldest is forgotten early, so that viewer may count again sooner; a flood of
// fresh addresses costs at most max_entries x ~100 bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tidecast::api {

struct ViewCounterOptions {
  std::chrono::steady_clock::duration window = std::chrono::minutes(30);
  std::size_t max_entries = 50000;
};

class ViewCounter {
 public:
  using Clock = std::chrono::steady_clock;
  using Counts = std::map<std::string, std::int64_t, std::less<>>;  // video id -> views

  explicit ViewCounter(ViewCounterOptions options = ViewCounterOptions()) : options_(options) {}

  // True when it counts: `viewer` has not been counted for `video_id` within the window.
  bool record(std::string_view video_id, std::string_view viewer, Clock::time_point now = Clock::now());
  // The views counted since the last take (cleared).
  Counts take_pending();
  // Gives back views a failed flush could not write; they go out with the next.
  void restore(const Counts& counts);
  std::size_t remembered() const;

 private:
  struct Seen {
    std::string key;
    Clock::time_point at;
  };
  void forget_old(Clock::time_point now);

  ViewCounterOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> last_counted_;  // video '\n' viewer -> when
  std::deque<Seen> order_;  // oldest first; may hold outdated entries for re-counted keys
  Counts pending_;
};

}  // namespace tidecast::api

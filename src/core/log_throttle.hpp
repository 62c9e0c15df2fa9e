#pragma once
// At most one log line per key (e.g. a client address) per interval, with
// the number of lines held back since the last one, so a flood of refusals
// cannot flood the log. Thread-safe; memory is bounded by forgetting keys
// whose interval has passed once many are kept.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tidecast::core {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration interval = std::chrono::seconds(60)) : interval_(interval) {}

  // An event for `key` at `now`: the number of events held back since the
  // key's last line when a line may be logged now, else nullopt (counted).
  std::optional<std::size_t> allow(std::string_view key, Clock::time_point now = Clock::now());

 private:
  struct State {
    Clock::time_point last;
    std::size_t suppressed = 0;
  };
  static constexpr std::size_t kPruneAt = 4096;

  Clock::duration interval_;
  std::mutex mutex_;
  std::unordered_map<std::string, State> states_;
};

}  // namespace tidecast::core

#pragma once
// A sliding-window rate limit per key (e.g. login attempts per client IP):
// at most `per_minute` events in any 60 s. Thread-safe; memory is bounded by
// forgetting keys whose window has passed.
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tidecast::core {

class RateLimiter {
 public:
  explicit RateLimiter(unsigned per_minute) : per_minute_(per_minute) {}

  // Counts an attempt at `now_ms`: 0 when allowed, else the whole seconds
  // (at least 1) until the next one would be (for Retry-After). Refused
  // attempts are not counted.
  std::int64_t attempt(std::string_view key, std::int64_t now_ms);

 private:
  static constexpr std::int64_t kWindowMs = 60'000;
  void prune(std::int64_t now_ms);

  unsigned per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::int64_t>> events_;
  std::int64_t next_prune_ms_ = 0;
};

}  // namespace tidecast::core

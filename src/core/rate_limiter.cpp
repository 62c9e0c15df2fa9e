#include "core/rate_limiter.hpp"

namespace tidecast::core {

std::int64_t RateLimiter::attempt(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (now_ms >= next_prune_ms_) prune(now_ms);
  auto& times = events_[std::string(key)];
  while (!times.empty() && times.front() <= now_ms - kWindowMs) times.pop_front();
  if (times.size() >= per_minute_) {
    const std::int64_t wait_ms = times.front() + kWindowMs - now_ms;
    return std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
  }
  times.push_back(now_ms);
  return 0;
}

void RateLimiter::prune(std::int64_t now_ms) {
  for (auto it = events_.begin(); it != events_.end();) {
    if (it->second.empty() || it->second.back() <= now_ms - kWindowMs) {
      it = events_.erase(it);
    } else {
      ++it;
    }
  }
  next_prune_ms_ = now_ms + kWindowMs;
}

}  // namespace tidecast::core

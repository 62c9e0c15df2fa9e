#include "core/log_throttle.hpp"

namespace tidecast::core {

std::optional<std::size_t> LogThrottle::allow(std::string_view key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (states_.size() >= kPruneAt) {
    std::erase_if(states_, [&](const auto& entry) { return now - entry.second.last >= interval_; });
  }
  const auto [it, first] = states_.try_emplace(std::string(key), State{now, 0});
  State& state = it->second;
  if (!first && now - state.last < interval_) {
    ++state.suppressed;
    return std::nullopt;
  }
  const std::size_t since = state.suppressed;
  state = State{now, 0};
  return since;
}

}  // namespace tidecast::core

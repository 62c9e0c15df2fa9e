#include "cluster/cluster_state.hpp"

namespace tidecast::cluster {

namespace {
constexpr auto kViewerWindow = std::chrono::seconds(30);
}  // namespace

void RelayViewers::note(const std::string& channel, const std::string& address) {
  if (address.empty()) return;
  std::lock_guard lock(mutex_);
  seen_[channel][address] = std::chrono::steady_clock::now();
}

std::map<std::string, std::size_t> RelayViewers::counts() {
  const auto cutoff = std::chrono::steady_clock::now() - kViewerWindow;
  std::map<std::string, std::size_t> out;
  std::lock_guard lock(mutex_);
  for (auto it = seen_.begin(); it != seen_.end();) {
    std::erase_if(it->second, [&](const auto& entry) { return entry.second < cutoff; });
    if (it->second.empty()) {
      it = seen_.erase(it);
      continue;
    }
    out[it->first] = it->second.size();
    ++it;
  }
  return out;
}

void ClusterState::replace(std::vector<live::RemoteChannel> live,
                           std::map<std::string, std::size_t, std::less<>> viewers) {
  std::lock_guard lock(mutex_);
  live_ = std::move(live);
  viewers_ = std::move(viewers);
}

std::vector<live::RemoteChannel> ClusterState::live_elsewhere() const {
  std::lock_guard lock(mutex_);
  return live_;
}

std::optional<std::size_t> ClusterState::viewers(std::string_view channel) const {
  std::lock_guard lock(mutex_);
  const auto it = viewers_.find(channel);
  if (it == viewers_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tidecast::cluster

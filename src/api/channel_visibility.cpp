#include "api/channel_visibility.hpp"

namespace tidecast::api {

void ChannelVisibility::load(const std::vector<catalog::Channel>& channels) {
  std::lock_guard lock(mutex_);
  private_.clear();
  for (const auto& channel : channels) {
    if (channel.visibility == "private") private_.insert(channel.name);
  }
}

void ChannelVisibility::set_private(std::string_view name, bool is_private) {
  std::lock_guard lock(mutex_);
  if (is_private) {
    private_.emplace(name);
  } else if (const auto it = private_.find(name); it != private_.end()) {
    private_.erase(it);
  }
}

bool ChannelVisibility::is_private(std::string_view name) const {
  std::lock_guard lock(mutex_);
  return private_.contains(name);
}

}  // namespace tidecast::api

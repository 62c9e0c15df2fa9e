#include "cluster/owner_directory.hpp"

namespace tidecast::cluster {

std::optional<Owner> OwnerDirectory::owner_of(const std::string& channel) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    const auto it = cache_.find(channel);
    if (it != cache_.end() && now < it->second.until) return it->second.owner;
  }
  // Outside the lock: a slow catalog must not hold up lookups of other channels.
  std::optional<Owner> owner = lookup_(channel);
  std::lock_guard lock(mutex_);
  if (cache_.size() > 10000) cache_.clear();  // names come from requests: keep the map bounded
  cache_[channel] = {owner, now + ttl_};
  return owner;
}

void OwnerDirectory::forget(const std::string& channel) {
  std::lock_guard lock(mutex_);
  cache_.erase(channel);
}

}  // namespace tidecast::cluster

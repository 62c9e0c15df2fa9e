#include "api/video_lookup_cache.hpp"

#include <algorithm>

namespace tidecast::api {

VideoLookupCache::VideoLookupCache(catalog::VideoRepository& videos, VideoLookupOptions options)
    : videos_(videos), changes_(videos.changes()), options_(std::move(options)) {}

std::chrono::steady_clock::time_point VideoLookupCache::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

std::shared_ptr<const catalog::Video> VideoLookupCache::find(const std::string& id) {
  if (!changes_ || options_.max_entries == 0) {
    auto found = videos_.find(id);
    return found ? std::make_shared<const catalog::Video>(std::move(*found)) : nullptr;
  }
  // Both read before the catalog is: a write that lands during the read has
  // bumped the generation past the one stored, and the age counts from here.
  const auto started = now();
  const std::uint64_t generation = changes_->generation();
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    if (it != entries_.end()) {
      if (it->second.generation == generation && started < it->second.until) return it->second.video;
      entries_.erase(it);
    }
  }
  auto found = videos_.find(id);
  if (!found) return nullptr;
  auto video = std::make_shared<const catalog::Video>(std::move(*found));
  if (video->state != catalog::VideoState::ready) return video;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= options_.max_entries && !entries_.contains(id)) make_room(started, generation);
  entries_.insert_or_assign(id, Entry{.video = video, .generation = generation, .until = started + options_.ttl});
  return video;
}

// Drops what is stale; when everything is fresh, the entry closest to expiry.
void VideoLookupCache::make_room(std::chrono::steady_clock::time_point now, std::uint64_t generation) {
  std::erase_if(entries_,
                [&](const auto& item) { return item.second.generation != generation || item.second.until <= now; });
  if (entries_.size() < options_.max_entries) return;
  const auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                       [](const auto& a, const auto& b) { return a.second.until < b.second.until; });
  entries_.erase(oldest);
}

std::size_t VideoLookupCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace tidecast::api

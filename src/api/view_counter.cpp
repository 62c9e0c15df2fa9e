#include "api/view_counter.hpp"

namespace tidecast::api {

bool ViewCounter::record(std::string_view video_id, std::string_view viewer, Clock::time_point now) {
  std::string key;
  key.reserve(video_id.size() + viewer.size() + 1);
  key.append(video_id).push_back('\n');
  key.append(viewer);
  std::lock_guard lock(mutex_);
  forget_old(now);
  const auto it = last_counted_.find(key);
  if (it != last_counted_.end() && now - it->second < options_.window) return false;
  last_counted_.insert_or_assign(key, now);
  order_.push_back({std::move(key), now});
  const auto pending = pending_.find(video_id);
  if (pending != pending_.end()) {
    ++pending->second;
  } else {
    pending_.emplace(std::string(video_id), 1);
  }
  // Over the bound: forget the oldest pairs first (they would expire first anyway).
  while (last_counted_.size() > options_.max_entries && !order_.empty()) {
    const Seen& oldest = order_.front();
    const auto found = last_counted_.find(oldest.key);
    if (found != last_counted_.end() && found->second == oldest.at) last_counted_.erase(found);
    order_.pop_front();
  }
  return true;
}

void ViewCounter::forget_old(Clock::time_point now) {
  while (!order_.empty() && now - order_.front().at >= options_.window) {
    const Seen& oldest = order_.front();
    const auto found = last_counted_.find(oldest.key);
    // A key counted again later has a newer entry further back: keep it.
    if (found != last_counted_.end() && found->second == oldest.at) last_counted_.erase(found);
    order_.pop_front();
  }
}

ViewCounter::Counts ViewCounter::take_pending() {
  std::lock_guard lock(mutex_);
  Counts out;
  out.swap(pending_);
  return out;
}

void ViewCounter::restore(const Counts& counts) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, count] : counts) pending_[id] += count;
}

std::size_t ViewCounter::remembered() const {
  std::lock_guard lock(mutex_);
  return last_counted_.size();
}

}  // namespace tidecast::api

#include "http/open_file_cache.hpp"

namespace tidecast::http {

std::shared_ptr<const OpenFile> OpenFileCache::open(const std::filesystem::path& path, Clock::time_point now) {
  const std::string& key = path.native();
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it != entries_.end() && now - it->second.opened < ttl_) {
      recency_.splice(recency_.begin(), recency_, it->second.recency);
      return it->second.file;
    }
  }
  auto file = OpenFile::open(path);  // outside the lock: it touches the disk
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (!file) {
    if (it != entries_.end()) {
      recency_.erase(it->second.recency);
      entries_.erase(it);
    }
    return nullptr;
  }
  if (it != entries_.end()) {
    it->second.file = file;
    it->second.opened = now;
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return file;
  }
  if (capacity_ == 0) return file;
  if (entries_.size() >= capacity_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(key);
  entries_.emplace(key, Entry{.file = file, .opened = now, .recency = recency_.begin()});
  return file;
}

std::size_t OpenFileCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace tidecast::http

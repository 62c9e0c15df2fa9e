#pragma once
// Recently opened files, kept open for a short while: a player fetching the
// segments of one video, or many viewers the same popular segment, costs a
// hash lookup instead of open + fstat + close each time. Entries are reopened
// after `ttl`, so a replaced file is seen within that time (on-demand media is
// written once; a deleted video is refused by the catalog first). Bounded: the
// least recently used entry goes when `capacity` is reached. Thread-safe.
#include <chrono>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/open_file.hpp"

namespace tidecast::http {

class OpenFileCache {
 public:
  using Clock = std::chrono::steady_clock;

  OpenFileCache(std::size_t capacity, Clock::duration ttl) : capacity_(capacity), ttl_(ttl) {}

  // Like OpenFile::open (null when missing or not a regular file); a miss is not kept.
  std::shared_ptr<const OpenFile> open(const std::filesystem::path& path, Clock::time_point now = Clock::now());
  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const OpenFile> file;
    Clock::time_point opened;
    std::list<std::string>::iterator recency;
  };

  const std::size_t capacity_;
  const Clock::duration ttl_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> recency_;  // front: most recently used
};

}  // namespace tidecast::http

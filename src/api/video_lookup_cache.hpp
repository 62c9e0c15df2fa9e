#pragma once
// The video rows /vod needs, from memory: every segment request used to run a
// SQL statement on the shared catalog connection (waiting behind any
// transaction on it). Only ready videos are kept, and for at most `ttl`, so a
// change made by another cluster node (shared PostgreSQL) or process applies
// within that time; a write through this process's repositories
// (catalog/video_changes.hpp: visibility, deletion, state) drops every entry
// at once. Videos not found or not ready are asked for each time: nothing
// that is about to become ready is ever held back.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "catalog/video_repository.hpp"

namespace tidecast::api {

struct VideoLookupOptions {
  std::size_t max_entries = 4096;
  std::chrono::milliseconds ttl{1000};
  // Tests drive time; empty: std::chrono::steady_clock.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class VideoLookupCache {
 public:
  // Without a change counter on `videos` nothing is cached (every find asks
  // the catalog): a cache nobody invalidates would serve deleted videos.
  explicit VideoLookupCache(catalog::VideoRepository& videos, VideoLookupOptions options = VideoLookupOptions());

  // Null when the catalog has no such video. Throws what the catalog throws.
  std::shared_ptr<const catalog::Video> find(const std::string& id);

  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const catalog::Video> video;
    std::uint64_t generation = 0;
    std::chrono::steady_clock::time_point until;
  };
  std::chrono::steady_clock::time_point now() const;
  void make_room(std::chrono::steady_clock::time_point now, std::uint64_t generation);

  catalog::VideoRepository& videos_;
  const catalog::VideoChanges* changes_;
  VideoLookupOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace tidecast::api

#pragma once
// A generation counter of this process's writes to the videos table, so
// caches of video rows (api/video_lookup_cache.hpp) can tell that what they
// hold may be stale. Shared by every VideoRepository that writes, whatever
// connection it uses: the Catalog owns it, VodService's repository gets it too.
// Writes by other processes (other cluster nodes, the CLI) do not bump it:
// caches bound their age for those.
#include <atomic>
#include <cstdint>

namespace tidecast::catalog {

class VideoChanges {
 public:
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Called once a write is over (committed, for a write outside a transaction).
  void bump() { generation_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace tidecast::catalog

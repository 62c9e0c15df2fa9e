#pragma once
// Bookkeeping writes (a session's or token's last-used time) ride on requests
// that only need to read. They must not fail those requests: a catalog that
// cannot be written (locked by another process, read-only file system, disk
// full) still lets people sign in and look around. After a failure they pause
// for a minute, so a locked catalog costs one busy timeout, not one per request.
#include <atomic>
#include <cstdint>

#include "catalog/database.hpp"

namespace tidecast::catalog {

class BookkeepingWrite {
 public:
  static constexpr std::int64_t kPauseSeconds = 60;

  // Runs `write` unless paused; true when it ran and succeeded.
  template <class Write>
  bool attempt(std::int64_t now, Write&& write) {
    if (now < paused_until_.load(std::memory_order_relaxed)) return false;
    try {
      write();
      return true;
    } catch (const DatabaseError&) {
      paused_until_.store(now + kPauseSeconds, std::memory_order_relaxed);
      return false;
    }
  }

 private:
  std::atomic<std::int64_t> paused_until_{0};
};

}  // namespace tidecast::catalog

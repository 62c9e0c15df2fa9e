#pragma once
// Period ids of one channel, shared by its successive presentations. They
// come from the clock (seconds), so a presentation after a restart never
// reuses a segment URL that caches hold as immutable; drawing them from one
// counter also keeps them unique when a new presentation starts within the
// second the previous one began a period (a quick re-publish).
#include <cstdint>
#include <mutex>
#include <optional>

namespace tidecast::live {

class PeriodIds {
 public:
  // The next id: `now_seconds`, or one past the last id handed out.
  std::uint32_t next(std::uint32_t now_seconds) {
    std::lock_guard lock(mutex_);
    last_ = last_ && *last_ >= now_seconds ? *last_ + 1 : now_seconds;
    return *last_;
  }
  // Ids from here on are at least `floor` (a cluster's previous owner used those below).
  void at_least(std::uint32_t floor) {
    std::lock_guard lock(mutex_);
    if (floor > 0 && (!last_ || *last_ < floor - 1)) last_ = floor - 1;
  }

 private:
  std::mutex mutex_;
  std::optional<std::uint32_t> last_;
};

}  // namespace tidecast::live

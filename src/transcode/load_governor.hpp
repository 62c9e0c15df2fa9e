#pragma once
// The live ladder's overload policy: which rung to shed when the input queue
// grows, and which to bring back once it has stayed calm. Decisions only; the
// transcoder (live_transcoder.cpp) carries them out at the next aligned IDR,
// so every rung's segments stay complete and aligned.
//
// Not thread-safe: the transcoder calls every method under its state mutex.
// Times are media seconds on the transcoder's input clock.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "transcode/ladder.hpp"

namespace tidecast::transcode {

// Whether a rung is being fed frames. Changes of feed wait for an aligned IDR:
//   active ─shed()─▶ stopping ─IDR─▶ shed ─restore()─▶ starting ─IDR─▶ active
// `failed` (its encoder broke) is final.
enum class Feed { active, stopping, shed, starting, failed };

class LoadGovernor {
 public:
  static constexpr double kCalmQueueSeconds = 0.5;      // queue below this counts towards restoring a rung
  static constexpr double kShedSpacingSeconds = 2.0;    // media seconds between two sheds
  static constexpr double kReshedWindowSeconds = 60.0;  // shed again this soon after a restore: back off
  static constexpr int kMaxBackoff = 32;

  // One entry per rung of `plans` (same order). Lines go to `log` (may be null)
  // tagged with `stream`.
  LoadGovernor(const std::vector<RungPlan>& plans, double shed_queue_seconds, double restore_after_seconds,
               core::Logger* log, std::string stream);

  // One look at the load, on every input packet: `queue_seconds` of media wait
  // for the decoder and the input clock reads `now`. Sheds the costliest active
  // rung when the queue is too long (one at a time, kShedSpacingSeconds
  // apart); restores the most recently shed one after the queue has stayed calm
  // for restore_after_seconds times its backoff.
  void check(double queue_seconds, double now);

  // At an aligned IDR: a stopping rung becomes shed (returns true: the caller
  // flushes its encoder, so its last segment is complete) and a starting one
  // becomes active.
  bool switch_at_idr(std::size_t rung);
  // The rung's encoder failed: never fed again.
  void mark_failed(std::size_t rung) { rungs_[rung].feed = Feed::failed; }

  Feed feed(std::size_t rung) const { return rungs_[rung].feed; }
  // Still gets frames (a stopping rung does until its IDR).
  bool fed(std::size_t rung) const { return feed(rung) == Feed::active || feed(rung) == Feed::stopping; }
  std::uint64_t shed_count(std::size_t rung) const { return rungs_[rung].shed_count; }
  // Restores wait this many times restore_after_seconds (doubles on each quick re-shed).
  int backoff(std::size_t rung) const { return rungs_[rung].backoff; }

 private:
  struct RungLoad {
    std::string name;
    double cost = 0;
    Feed feed = Feed::active;
    std::uint64_t shed_count = 0;
    double shed_at = -1;
    double restored_at = -1;
    int backoff = 1;
  };

  void shed_costliest(double queue_seconds, double now);
  void restore_latest(double queue_seconds, double now);

  const double shed_queue_seconds_;
  const double restore_after_seconds_;
  core::Logger* const log_;
  const std::string stream_;
  std::vector<RungLoad> rungs_;
  double last_shed_ = -1;
  std::optional<double> calm_since_;
};

}  // namespace tidecast::transcode

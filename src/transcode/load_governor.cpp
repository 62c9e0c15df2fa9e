#include "transcode/load_governor.hpp"

#include <algorithm>

namespace tidecast::transcode {

LoadGovernor::LoadGovernor(const std::vector<RungPlan>& plans, double shed_queue_seconds, double restore_after_seconds,
                           core::Logger* log, std::string stream)
    : shed_queue_seconds_(shed_queue_seconds),
      restore_after_seconds_(restore_after_seconds),
      log_(log),
      stream_(std::move(stream)) {
  for (const auto& plan : plans) {
    RungLoad rung;
    rung.name = plan.rung.name;
    rung.cost = plan.cost;
    rungs_.push_back(std::move(rung));
  }
}

void LoadGovernor::check(double queue_seconds, double now) {
  shed_costliest(queue_seconds, now);
  restore_latest(queue_seconds, now);
}

void LoadGovernor::shed_costliest(double queue_seconds, double now) {
  if (queue_seconds <= shed_queue_seconds_) return;
  if (last_shed_ >= 0 && now - last_shed_ < kShedSpacingSeconds) return;
  RungLoad* costliest = nullptr;
  for (auto& rung : rungs_) {
    if (rung.feed == Feed::active && (!costliest || rung.cost > costliest->cost)) costliest = &rung;
  }
  if (!costliest) return;  // everything is shed already: nothing left to give up
  costliest->feed = Feed::stopping;
  ++costliest->shed_count;
  // Came back and overloaded again within a minute: the next restore waits longer.
  if (costliest->restored_at >= 0 && now - costliest->restored_at < kReshedWindowSeconds) {
    costliest->backoff = std::min(kMaxBackoff, costliest->backoff * 2);
  }
  costliest->shed_at = now;
  last_shed_ = now;
  if (log_) {
    log_->warn("transcode", "overload stream={} shedding rung={} queue_seconds={:.1f} sheds={}", stream_,
               costliest->name, queue_seconds, costliest->shed_count);
  }
}

void LoadGovernor::restore_latest(double queue_seconds, double now) {
  if (queue_seconds >= kCalmQueueSeconds) {
    calm_since_.reset();
    return;
  }
  if (!calm_since_) calm_since_ = now;
  // The most recently shed rung comes back first (sheds go costliest first).
  RungLoad* latest = nullptr;
  for (auto& rung : rungs_) {
    if (rung.feed == Feed::shed && (!latest || rung.shed_at > latest->shed_at)) latest = &rung;
  }
  if (!latest || now - *calm_since_ < restore_after_seconds_ * latest->backoff) return;
  latest->feed = Feed::starting;
  latest->restored_at = now;
  calm_since_ = now;  // the next restore needs a calm stretch of its own
  if (log_) log_->info("transcode", "load ok stream={} restoring rung={}", stream_, latest->name);
}

bool LoadGovernor::switch_at_idr(std::size_t rung) {
  Feed& feed = rungs_[rung].feed;
  if (feed == Feed::stopping) {
    feed = Feed::shed;
    return true;
  }
  if (feed == Feed::starting) feed = Feed::active;
  return false;
}

}  // namespace tidecast::transcode

#include "cluster/numbering.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/clock.hpp"

namespace tidecast::cluster {

namespace {

// Media a channel's reader may still hold when its publisher is cut off
// (live_channel.cpp: max(4 s, 3 segments)).
double queued_seconds(double segment_seconds) {
  return std::max(4.0, 3 * segment_seconds);
}

}  // namespace

NumberingReserve numbering_reserve(std::chrono::milliseconds lease_ttl, double segment_seconds,
                                   std::chrono::milliseconds record_interval) {
  const double ttl = std::chrono::duration<double>(lease_ttl).count();
  const double interval = std::chrono::duration<double>(record_interval).count();
  const double segment = std::max(segment_seconds, 0.1);
  NumberingReserve reserve;
  // Segments are cut at keyframes once the target is reached, so never more
  // than one per target duration, plus the short ones a period's end flushes.
  reserve.segments = static_cast<std::uint32_t>(std::ceil((ttl + interval + queued_seconds(segment)) / segment)) + 2;
  reserve.seconds = static_cast<std::uint32_t>(std::ceil(2 * ttl + interval)) + 5;
  return reserve;
}

live::Numbering numbering_floor(const live::Numbering& current, const NumberingReserve& reserve,
                                std::uint32_t clock_seconds) {
  live::Numbering floor;
  floor.media_sequence = current.media_sequence + reserve.segments;
  floor.discontinuity_sequence = current.discontinuity_sequence + reserve.periods;
  floor.period = std::max(current.period, clock_seconds + reserve.seconds);
  return floor;
}

LeaseNumbering::LeaseNumbering(NumberingStore& store, LeaseKeeper& keeper, Current current, NumberingReserve reserve,
                               core::Logger& log, Clock clock)
    : store_(store),
      keeper_(keeper),
      current_(std::move(current)),
      reserve_(reserve),
      log_(log),
      clock_(clock ? std::move(clock) : Clock([] { return static_cast<std::uint32_t>(core::unix_now_ms() / 1000); })) {}

std::optional<live::NumberingClaim> LeaseNumbering::begin(const live::ChannelRef& channel) {
  std::optional<std::int64_t> epoch;
  for (const auto& lease : keeper_.held()) {
    if (lease.channel_id == channel.id) epoch = lease.epoch;
  }
  if (!epoch) throw std::runtime_error(fmt::format("this node does not hold the lease of channel {}", channel.name));
  const auto recorded = store_.read(channel.id, *epoch);
  if (!recorded) throw std::runtime_error(fmt::format("the lease of channel {} was lost", channel.name));
  live::NumberingClaim claim;
  claim.start = *recorded;
  // Reserved before the first segment: if this node dies at once, the next
  // owner still starts above everything it published.
  const std::uint32_t now = clock_();
  live::Numbering current = *recorded;
  current.period = std::max(current.period, now);
  if (!store_.raise(channel.id, *epoch, numbering_floor(current, reserve_, now))) {
    throw std::runtime_error(fmt::format("the lease of channel {} was lost", channel.name));
  }
  {
    std::lock_guard lock(mutex_);
    const auto it = claimed_epoch_.find(channel.id);
    // This node's previous lease on the channel, just before this one: nobody published in between.
    claim.resumable = it == claimed_epoch_.end() || it->second + 1 == *epoch;
    claimed_epoch_[channel.id] = *epoch;
  }
  log_.info("cluster", "numbering channel={} media_sequence={} discontinuity_sequence={} period_from={}", channel.name,
            claim.start.media_sequence, claim.start.discontinuity_sequence, claim.start.period);
  return claim;
}

void LeaseNumbering::record_all() {
  const std::uint32_t now = clock_();
  for (const auto& lease : keeper_.held()) {
    const auto current = current_(lease.channel);
    if (!current) continue;
    store_.raise(lease.channel_id, lease.epoch, numbering_floor(*current, reserve_, now));
  }
}

}  // namespace tidecast::cluster

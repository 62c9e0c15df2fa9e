// A channel's latency mode (live_service.hpp part_seconds_for).
#include "live/live_service.hpp"

namespace tidecast::live {

double part_seconds_for(const ChannelRef& channel, const LiveServiceOptions& options) {
  if (!channel.latency_mode) return options.channel.part_seconds;
  if (*channel.latency_mode != "low") return 0;
  const double part = options.low_latency_part_seconds;
  // The segmenter needs at least two parts per segment (config checks the
  // same for the server-wide mode).
  return part > 0 && part <= options.channel.segment_seconds / 2 ? part : 0;
}

}  // namespace tidecast::live

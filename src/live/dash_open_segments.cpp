// Low-latency DASH: the segment in progress in the live MPD (rendered_manifest.hpp).
#include "live/rendered_manifest.hpp"

namespace tidecast::live {

package::Presentation with_open_segments(package::Presentation dash) {
  if (!dash.live || dash.ended || dash.part_target_seconds <= 0) return dash;
  for (auto& track : dash.tracks) {
    if (track.segments.empty()) continue;
    const package::SegmentEntry& last = track.segments.back();
    for (const auto& part : track.parts) {
      // The open segment's first part, in the same period and right after
      // the last segment (a rung that rejoined after a gap waits for its
      // first new segment).
      if (part.number != last.number + 1 || part.index != 0) continue;
      if (part.period != last.period || part.start != last.start + last.duration) break;
      package::SegmentEntry open;
      open.number = part.number;
      open.index = part.segment_index;
      open.start = part.start;
      open.duration = last.duration;
      open.period = part.period;
      open.wallclock_ms = part.wallclock_ms;
      track.segments.push_back(open);
      break;
    }
  }
  return dash;
}

}  // namespace tidecast::live

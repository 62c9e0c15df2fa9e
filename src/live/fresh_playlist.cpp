#include "live/fresh_playlist.hpp"

#include <cmath>

#include "package/hls_low_latency.hpp"

namespace tidecast::live {

std::int64_t fresh_part_ms(const LiveSnapshot& snapshot) {
  return std::llround(snapshot.presentation.part_target_seconds * 1000.0 / 8.0);
}

std::optional<HoldTarget> wait_for_fresh_part(const LiveSnapshot& snapshot, std::string_view track,
                                              std::int64_t now_ms) {
  const package::Presentation& p = snapshot.presentation;
  if (p.part_target_seconds <= 0 || p.ended || !p.live) return std::nullopt;
  if (snapshot.withdrawn_tracks.contains(track)) return std::nullopt;  // shed: no part will come
  for (const auto& t : p.tracks) {
    if (t.id != track) continue;
    if (t.parts.empty()) return std::nullopt;
    // Older than three parts: the track is not making parts (a shed rung, a
    // stalled publisher); waiting could last until the hold times out.
    const std::int64_t age = now_ms - t.parts.back().made_ms;
    if (age <= fresh_part_ms(snapshot) || age > std::llround(3000.0 * p.part_target_seconds)) return std::nullopt;
    const auto position = package::last_position(t);
    if (!position || !position->part) return std::nullopt;
    HoldTarget target;
    target.track = t.id;
    target.plain = true;
    // The next part: the first of the next segment once the newest part's
    // segment is complete, else the following one of the same segment (its
    // segment completing answers that too).
    target.msn = position->segment_complete ? position->msn + 1 : position->msn;
    target.part = position->segment_complete ? 0 : *position->part + 1;
    return target;
  }
  return std::nullopt;
}

}  // namespace tidecast::live

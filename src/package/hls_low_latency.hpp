#pragma once
// LL-HLS (RFC 8216bis) additions to a live media playlist when the
// presentation has parts (Presentation::part_target_seconds > 0):
// EXT-X-SERVER-CONTROL (blocking reload, PART-HOLD-BACK = 3 part targets),
// EXT-X-PART-INF, EXT-X-PART for the segments of the last three target
// durations and for the segment in progress, EXT-X-PRELOAD-HINT for the next
// part, EXT-X-RENDITION-REPORT for every other track. Parts are listed only
// once complete (the snapshot only holds complete ones).
#include <cstdint>
#include <optional>
#include <string>

#include "package/presentation.hpp"

namespace tidecast::package {

// The newest media sequence number and part a track has (LAST-MSN/LAST-PART).
struct PartPosition {
  std::uint32_t msn = 0;
  std::optional<std::uint32_t> part;  // none: no part of `msn` (normal mode, or none yet)
  bool segment_complete = false;      // `msn` is a complete segment (listed with EXTINF)
};
// None when the track has neither segments nor parts.
std::optional<PartPosition> last_position(const TrackDescription& track);

// PART-HOLD-BACK: three part targets (the spec's minimum is two).
double part_hold_back_seconds(const Presentation& presentation);

// CAN-SKIP-UNTIL (the skip boundary): six target durations, the spec's minimum.
double skip_boundary_seconds(int target_duration);
// EXT-X-SERVER-CONTROL (with `target_duration` as rendered) and EXT-X-PART-INF.
void append_server_control(std::string& out, const Presentation& presentation, int target_duration);
// How many segments from the start of the playlist a delta update skips:
// those wholly further than the skip boundary from the end of the last
// segment (RFC 8216bis 6.2.5.1).
std::size_t skippable_segments(const TrackDescription& track, int target_duration);
void append_skip(std::string& out, std::size_t skipped, bool v2);
// The EXT-X-PART lines of segment `number` when it is inside the part listing
// window (`listed_from`: the first segment number whose parts are listed).
void append_segment_parts(std::string& out, const TrackDescription& track, std::uint32_t number,
                          std::uint32_t listed_from);
std::uint32_t parts_listed_from(const Presentation& presentation, const TrackDescription& track);
// After the last segment: the parts of the segment in progress, the preload
// hint and the rendition reports (none of these once the stream ended).
void append_live_edge(std::string& out, const Presentation& presentation, std::size_t track_index);

}  // namespace tidecast::package

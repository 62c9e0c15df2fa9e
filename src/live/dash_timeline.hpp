#pragma once
// Which segments a track lists in the live MPD's SegmentTimeline.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "package/presentation.hpp"

namespace tidecast::live {

// At most this many entries per track, whatever the stream's length: at 2 s
// segments two hours, beyond which a player has nothing to gain from the
// list (the segments left the time-shift window long ago).
constexpr std::size_t kMaxTimelineSegments = 3600;

// From the first segment of `first_period` (the period the playlist window
// starts in) to the newest, the newest `max_segments` of those when there
// are more. The timeline starts at the period's first segment because
// FFmpeg's DASH demuxer (5.1) reads $Number$ as an index into the timeline
// after each MPD refresh: a timeline starting elsewhere sends it to
// segments that do not exist.
std::vector<package::SegmentEntry> dash_timeline(const std::vector<package::SegmentEntry>& all,
                                                 std::uint32_t first_period,
                                                 std::size_t max_segments = kMaxTimelineSegments);

}  // namespace tidecast::live

#pragma once
// The segments of the periods the live window reaches into, from their first
// one: the live MPD lists a rung only while it has every one of them (a
// player may have fetched any of them), though its timeline is the window.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "package/presentation.hpp"

namespace tidecast::live {

// At most this many per track, whatever the stream's length (at 2 s
// segments, two hours).
constexpr std::size_t kMaxTimelineSegments = 3600;

// From the first segment of `first_period` to the newest, the newest
// `max_segments` of those when there are more.
std::vector<package::SegmentEntry> dash_timeline(const std::vector<package::SegmentEntry>& all,
                                                 std::uint32_t first_period,
                                                 std::size_t max_segments = kMaxTimelineSegments);

}  // namespace tidecast::live

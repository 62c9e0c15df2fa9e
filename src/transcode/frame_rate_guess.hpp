#pragma once
// A source frame rate estimated from the timestamps of its first frames, for
// sources that state none (no VUI timing, no metadata). Rung manifests then
// carry a real rate instead of the encoder's time base (x264's VUI says e.g.
// 1000 fps for millisecond timestamps).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tidecast::transcode {

// Frames the live ladder holds back to estimate an unknown frame rate.
constexpr std::size_t kFrameRateFrames = 8;

// Frames per second from presentation timestamps in `timescale` ticks (any
// order: B-frames arrive out of it), snapped to a common rate (23.976, 24, 25,
// 29.97, 30, 48, 50, 59.94, 60, 120) within 2 %. 0 when the timestamps do not
// tell (fewer than two frames, or all at one time).
double guess_frame_rate(const std::vector<std::int64_t>& pts, std::uint32_t timescale);

}  // namespace tidecast::transcode

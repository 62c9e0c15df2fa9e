#include "transcode/frame_timing.hpp"

#include <algorithm>
#include <cmath>

namespace tidecast::transcode {

FrameTiming::FrameTiming(std::uint32_t timescale, double segment_seconds, bool caller_cuts)
    : second_(static_cast<std::int64_t>(timescale)),
      segment_ticks_(std::llround(segment_seconds * timescale)),
      max_segment_ticks_(std::llround(std::max(10.0, 3.0 * segment_seconds) * timescale)),
      caller_cuts_(caller_cuts) {}

void FrameTiming::start(std::int64_t pts) {
  started_ = true;
  last_pts_ = pts;
  encoder_pts_ = 0;
  continuous_ = 0;
  last_forced_ = 0;
}

std::int64_t FrameTiming::pts_after_last() const {
  return last_pts_ + std::max<std::int64_t>(1, last_step_);
}

FrameTiming::Timed FrameTiming::next(std::int64_t pts, bool source_key, bool caller_cut) {
  const std::int64_t step = pts - last_pts_;
  const std::int64_t max_step = std::llround(kMaxEncoderStepSeconds * static_cast<double>(second_));
  if (frames_ > 0) encoder_pts_ += std::clamp<std::int64_t>(step, 1, max_step);
  if (step > 0 && step <= 5 * second_) {
    continuous_ += step;
    last_step_ = step;
  } else if (step < -second_ || step > 5 * second_) {
    continuous_ += last_step_;
  }
  last_pts_ = pts;
  const std::int64_t elapsed = continuous_ - last_forced_;
  bool force = frames_ == 0;
  if (caller_cuts_) {
    force = force || caller_cut;
  } else {
    // Less half a frame: package::Segmenter's rule, so rung and passthrough segments start together.
    if (!force && source_key && elapsed + last_step_ / 2 >= segment_ticks_) force = true;
    if (!force && elapsed >= max_segment_ticks_) force = true;
  }
  if (force) last_forced_ = continuous_;
  ++frames_;
  return {encoder_pts_, force};
}

}  // namespace tidecast::transcode

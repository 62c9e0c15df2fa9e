#pragma once
// The live ladder's clocks for decoded frames, in source timescale ticks:
//   - the encoder PTS: x264 gets a clean monotonic clock (source steps clamped
//     to 1 tick .. kMaxEncoderStepSeconds), so timestamp jumps and wraps in the
//     source never reach the encoder (rung packets keep the source PTS);
//   - where IDRs go: the first frame, then (built-in rule) a source keyframe
//     at least a segment (less half a frame) after the last forced one, or any
//     frame once the segmenter's longest segment has passed without one; or
//     (caller_cuts) exactly the frames the caller marked as segment starts.
// Segment time is measured like package::Segmenter measures it: a jump (over
// 5 s forward or over 1 s back) counts as one normal frame step.
// Decode stage only: one caller at a time.
#include <cstdint>

namespace tidecast::transcode {

class FrameTiming {
 public:
  static constexpr double kMaxEncoderStepSeconds = 0.5;  // x264 clock: longest step between frames

  FrameTiming(std::uint32_t timescale, double segment_seconds, bool caller_cuts);

  // Until start(), frames are skipped (the ladder starts on a source keyframe).
  bool started() const { return started_; }
  // The first frame: every clock starts at its PTS.
  void start(std::int64_t pts);

  // The PTS of a frame that has none: one step after the previous frame.
  std::int64_t pts_after_last() const;
  // PTS minus the previous frame's (0 for the first frame).
  std::int64_t step_to(std::int64_t pts) const { return frames_ > 0 ? pts - last_pts_ : 0; }

  struct Timed {
    std::int64_t encoder_pts = 0;
    bool force_idr = false;
  };
  // The next frame in presentation order. `source_key`: its packet was a
  // keyframe; `caller_cut`: the caller opened a segment there.
  Timed next(std::int64_t pts, bool source_key, bool caller_cut);

 private:
  const std::int64_t second_;
  const std::int64_t segment_ticks_;
  const std::int64_t max_segment_ticks_;  // the segmenter's longest segment: max(10 s, 3 segments)
  const bool caller_cuts_;
  bool started_ = false;
  std::uint64_t frames_ = 0;
  std::int64_t last_pts_ = 0;
  std::int64_t last_step_ = 0;  // last normal step, for frames without PTS and over jumps
  std::int64_t encoder_pts_ = 0;
  std::int64_t continuous_ = 0;   // segment time: source time with jumps as one step
  std::int64_t last_forced_ = 0;  // segment time of the last forced IDR
};

}  // namespace tidecast::transcode

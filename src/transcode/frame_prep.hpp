#pragma once
// Upload inputs as phones and laptops make them, made regular before the
// ladder sees them:
//   - rotation: a display matrix (mov/mp4 "rotate") is applied to the decoded
//     picture with libavfilter (transpose=clock / cclock, hflip+vflip), so the
//     rungs are planned and encoded from the upright picture;
//   - variable frame rate: frames are mapped onto a constant-rate grid
//     (CfrMapper), dropping or repeating frames like the ffmpeg CLI's -fps_mode cfr;
//   - HDR (PQ/HLG): the picture is converted to 8-bit 4:2:0 by the rung
//     scaler like any other format, and its transfer is retagged BT.709 (no
//     tonemapping: highlights look flat and dim, but players do not switch to
//     HDR for 8-bit data; primaries and matrix tags stay as they are);
//   - portrait: rung heights in the config apply to the short side, so a
//     1080x1920 source gets 720x1280, 480x854, ... (plan_upload_ladder).
#include <cstdint>
#include <string>
#include <vector>

#include "transcode/av_util.hpp"
#include "transcode/ladder.hpp"

extern "C" {
#include <libavfilter/avfilter.h>
}

namespace tidecast::transcode {

// Clockwise rotation (0, 90, 180, 270) that makes a picture upright, from
// av_display_rotation_get's counter-clockwise angle.
int upright_rotation(double counter_clockwise_degrees);
// The stream's display-matrix rotation (0 when none).
int stream_rotation(const AVStream* stream);

// Output frame rate of a constant-rate conversion: the stream's average rate
// (else its nominal rate), snapped to the nearest standard rate within 1 %
// (else to a whole number within 2 %), at most 60;
// 30 when nothing is known.
AVRational constant_frame_rate(AVRational average, AVRational nominal);

// Maps presentation timestamps of variable-rate frames onto slots of a
// constant rate. Slot n lies at origin + n / rate; a frame takes the slot
// nearest to its time. A frame whose slot is already taken is dropped; slots
// skipped before a frame are filled with the previous frame (repeats). A gap
// of more than 5 s (a timestamp jump) is not filled: the frame takes the next slot.
class CfrMapper {
 public:
  CfrMapper(AVRational rate, std::uint32_t timescale) : rate_(rate), timescale_(timescale) {}

  struct Step {
    std::int64_t repeats = 0;  // slots for the previous frame first
    bool take = false;         // this frame gets slot `slot`
    std::int64_t slot = 0;
  };
  Step push(std::int64_t pts);
  // Presentation time of a slot in timescale ticks.
  std::int64_t slot_pts(std::int64_t slot) const;
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t repeated() const { return repeated_; }
  std::uint64_t jumps() const { return jumps_; }
  // Frames that took a slot more than a quarter of a frame away from their own time.
  std::uint64_t retimed() const { return retimed_; }

 private:
  AVRational rate_;
  std::uint32_t timescale_;
  bool started_ = false;
  std::int64_t origin_ = 0;
  std::int64_t shift_ = 0;  // slots added after timestamp jumps
  std::int64_t next_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t repeated_ = 0;
  std::uint64_t jumps_ = 0;
  std::uint64_t retimed_ = 0;
};

// plan_ladder for uploads: rung heights apply to the short side (portrait
// pictures get portrait rungs), and when no rung fits a small source one rung
// at the source's own (even) size is made from the smallest configured rung.
std::vector<RungPlan> plan_upload_ladder(const LadderConfig& config, int width, int height, std::size_t cpu_threads,
                                         int sar_num = 1, int sar_den = 1);

struct FilterGraphDeleter {
  void operator()(AVFilterGraph* p) const { avfilter_graph_free(&p); }
};

// Applies a rotation to decoded frames (one frame in, one frame out, same pts).
class Rotator {
 public:
  explicit Rotator(int clockwise_degrees) : degrees_(clockwise_degrees) {}
  bool active() const { return degrees_ != 0; }
  // The rotated picture (the input itself when there is no rotation).
  FramePtr apply(FramePtr frame, std::uint32_t timescale);

 private:
  void configure(const AVFrame& frame, std::uint32_t timescale);

  int degrees_;
  std::unique_ptr<AVFilterGraph, FilterGraphDeleter> graph_;
  AVFilterContext* source_ = nullptr;
  AVFilterContext* sink_ = nullptr;
  int width_ = 0;
  int height_ = 0;
  int format_ = -1;
};

// PQ/HLG transfer: retag the transfer as BT.709 (see above). Returns true when it did.
bool retag_hdr_as_sdr(AVFrame& frame);

}  // namespace tidecast::transcode

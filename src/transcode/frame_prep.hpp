#pragma once
// Upload inputs as phones and laptops make them, made regular before the
// ladder sees them:
//   - rotation: a display matrix (mov/mp4 "rotate") is applied to the decoded
//     picture with libavfilter (transpose=clock / cclock, hflip+vflip), so the
//     rungs are planned and encoded from the upright picture;
//   - variable frame rate: frames are mapped onto a constant-rate grid
//     (CfrMapper), dropping or repeating frames like the ffmpeg CLI's -fps_mode cfr;
//   - HDR (PQ/HLG, e.g. HDR10 or a phone's HLG video): tonemapped to SDR
//     BT.709 8-bit 4:2:0 with libavfilter (zimg for transfer and gamut, the
//     Hable curve), so the ladder, poster and download look right on SDR
//     screens; if that graph cannot be built the transfer is only retagged;
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
  // Every frame took its own slot, at its own time: the source was already
  // constant-rate, so it can be passed through as it is (v0).
  bool regular() const { return dropped_ == 0 && repeated_ == 0 && jumps_ == 0 && retimed_ == 0; }

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

// A libavfilter chain applied to decoded frames, one frame in, one frame out
// (same pts). The graph is built on the first frame and again whenever size
// or pixel format change; errors throw TranscodeError naming `purpose`.
class PictureFilter {
 public:
  // An empty chain passes frames through untouched. `threads` 0 = libavfilter's choice.
  PictureFilter(std::string chain, std::string purpose, int threads = 1);
  bool active() const { return !chain_.empty(); }
  // The filtered picture (the input itself when the chain is empty).
  FramePtr apply(FramePtr frame, std::uint32_t timescale);
  // The filtered copy; `frame` is left as it was (so a caller can fall back to it).
  FramePtr filter(const AVFrame& frame, std::uint32_t timescale);

 private:
  void configure(const AVFrame& frame, std::uint32_t timescale);

  std::string chain_;
  std::string what_;  // error context ("rotate", "tonemap"); check() adds "transcode"
  int threads_;
  std::unique_ptr<AVFilterGraph, FilterGraphDeleter> graph_;
  AVFilterContext* source_ = nullptr;
  AVFilterContext* sink_ = nullptr;
  int width_ = 0;
  int height_ = 0;
  int format_ = -1;
};

// The chain that turns a picture upright ("" for 0 degrees).
std::string rotation_filter(int clockwise_degrees);

// PQ or HLG transfer.
bool is_hdr(const AVFrame& frame);
// HDR to SDR: linear light, BT.709 primaries, Hable tonemap (no desaturation),
// BT.709 transfer and matrix, limited range, 8-bit 4:2:0.
std::string tonemap_filter();
// Fills in what zimg needs but HDR files sometimes leave unspecified
// (BT.2020 primaries and matrix, limited range).
void assume_hdr_defaults(AVFrame& frame);
// Fallback when tonemapping fails: retag the transfer as BT.709 (highlights
// look flat and dim). Returns true when the frame was HDR.
bool retag_hdr_as_sdr(AVFrame& frame);

}  // namespace tidecast::transcode

#pragma once
// Poster and storyboard for an upload, taken from the frames the conversion
// decodes anyway (no second decode): one small scale now and then.
//
//   poster.jpg      one frame at ~10 % of the duration, at the top rung's size
//                   capped to 1280 wide. A frame darker than a mean luma of 24
//                   (fades from black, title cards) is passed over for one
//                   taken every 0.5 s later, up to 30 % of the duration or
//                   +10 s; then the brightest candidate wins.
//   storyboard.jpg  a sprite of 160-px-wide tiles, one every `interval`
//                   seconds (whole seconds, so there are at most 100 tiles),
//                   at most 10 columns, row by row.
//   storyboard.vtt  WebVTT, one cue per tile:
//                     00:00:05.000 --> 00:00:10.000
//                     storyboard.jpg#xywh=160,0,160,90
// JPEGs come from libavcodec's mjpeg encoder. Pure planning functions are
// separate from the frame handling so they can be tested without libav.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "transcode/av_util.hpp"

namespace tidecast::transcode {

constexpr int kStoryboardTileWidth = 160;
constexpr int kStoryboardMaxTiles = 100;
constexpr int kStoryboardMaxColumns = 10;
constexpr int kPosterMaxWidth = 1280;

struct StoryboardLayout {
  double interval_seconds = 1;
  int tile_width = 0;
  int tile_height = 0;
  int columns = 0;
  int rows = 0;
};

// Seconds between tiles for a video of `duration_seconds` (0 = unknown: 5 s).
double storyboard_interval(double duration_seconds);
// Layout for `tiles` tiles of a picture `width` x `height` (display size).
StoryboardLayout storyboard_layout(int tiles, double interval_seconds, int width, int height);
// The WebVTT text: cue i covers [i x interval, min((i+1) x interval, duration)).
std::string storyboard_vtt(const StoryboardLayout& layout, int tiles, double duration_seconds,
                           const std::string& sprite_name = "storyboard.jpg");
// "00:01:02.500"
std::string vtt_timestamp(double seconds);
// Poster size for a top video size: same aspect, at most 1280 wide, even.
struct PictureSize {
  int width = 0;
  int height = 0;
};
PictureSize poster_size(int width, int height);

// Scales decoded frames of any size/format into yuvj420p pictures for JPEG;
// keeps one swscale context for as long as the sizes stay the same.
class PictureScaler {
 public:
  FramePtr scale(const AVFrame& frame, int width, int height);

 private:
  SwsPtr sws_;
  int key_[5] = {0, 0, -1, 0, 0};
};

// Mean luma (0-255) of a yuvj420p picture, sampled every 4th pixel and row.
double mean_luma(const AVFrame& picture);
// Below this mean luma a picture is too dark for a poster (fades, title cards).
constexpr double kDarkLuma = 24;

// storyboard.jpg (the tiles row by row, `interval_seconds` apart) and
// storyboard.vtt into `dir`; nothing when there are no tiles. Tiles share one size.
void write_storyboard(const std::filesystem::path& dir, const std::vector<FramePtr>& tiles, double interval_seconds,
                      double duration_seconds);

class Thumbnailer {
 public:
  // duration_seconds: expected (0 = unknown); poster: output size.
  Thumbnailer(double duration_seconds, PictureSize poster);

  // Every decoded (upright) frame, in presentation order; `seconds` from the start.
  void offer(const AVFrame& frame, double seconds);
  // Writes poster.jpg, storyboard.jpg and storyboard.vtt into `dir` (nothing
  // when no frame was offered). `duration_seconds` is the real end.
  void write(const std::filesystem::path& dir, double duration_seconds);

 private:
  double duration_;
  PictureSize poster_size_;
  double interval_;
  double poster_at_;
  double poster_until_;
  bool poster_done_ = false;
  double poster_luma_ = -1;
  FramePtr poster_;
  double next_tile_ = 0;
  PictureSize tile_{};
  std::vector<FramePtr> tiles_;
  PictureScaler scaler_;
};

// One picture (yuvj420p) as a JPEG.
std::vector<std::uint8_t> encode_jpeg(const AVFrame& picture);

}  // namespace tidecast::transcode

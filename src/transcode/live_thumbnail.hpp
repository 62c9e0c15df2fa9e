#pragma once
// Live thumbnails, made on demand: a small JPEG of a channel's recent
// keyframe, decoded alone (live/thumbnail_store.hpp decides when: only when
// someone asks, at most one per interval), and the pictures a recording keeps
// (poster and storyboard), made once at its end from the keyframes its stored
// segments start with.
//
// Nothing here runs on the ingest path: ingest keeps a pointer to the newest
// keyframe and its codec parameters; the decode, scale and mjpeg encode run
// on the CPU pool when a picture is asked for, or when the recording ends.
// A recording's pictures cost one keyframe decode per storyboard tile (at
// most kStoryboardMaxTiles, whatever the length), not one per interval of
// the whole stream.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "media/packet.hpp"
#include "transcode/av_util.hpp"
#include "transcode/thumbnails.hpp"
#include "transcode/video_codec.hpp"

namespace tidecast::transcode {

constexpr int kLiveThumbnailWidth = 640;

// A thumbnail's size for a decoded picture: at most `max_width` wide, the
// display aspect kept (sample aspect ratio applied), both even.
PictureSize live_thumbnail_size(int width, int height, int sar_num, int sar_den, int max_width = kLiveThumbnailWidth);

struct LivePicture {
  std::shared_ptr<const std::vector<std::uint8_t>> jpeg;
  int width = 0;
  int height = 0;
  double encode_microseconds = 0;  // keyframe decode + scale + encode
};

// One keyframe (an access unit in the source's format: length-prefixed NAL
// units for avcC/hvcC) decoded alone, with a decoder made for it: a kept one
// held its frame pool between pictures (about 5 MB per 720p channel), and
// opening one costs far less than the decode. Null when it gives no picture.
FramePtr decode_keyframe(std::span<const std::uint8_t> data, const VideoSourceSpec& source);

// The live thumbnail of `keyframe`: at most `max_width` wide. Throws
// TranscodeError when the keyframe does not decode.
LivePicture make_live_picture(const media::Packet& keyframe, const VideoSourceSpec& source,
                              int max_width = kLiveThumbnailWidth);

// A recorded video segment: where it starts in the recording, its file (a
// CMAF segment starting with a keyframe) and its codec parameters.
struct RecordedSegment {
  double start_seconds = 0;
  std::filesystem::path file;
  std::shared_ptr<const VideoSourceSpec> source;
};

// Seconds between a recording's storyboard tiles: the upload's spacing (at
// most kStoryboardMaxTiles tiles), never closer than `min_interval`.
double recording_tile_interval(double duration_seconds, double min_interval);

// For each storyboard tile (one per `interval` from 0 to the duration), the
// index of the segment whose keyframe shows it: the last one starting at or
// before the tile's time (the first for a tile before every start). Empty
// with no segments. `starts` ascending.
std::vector<std::size_t> storyboard_segments(std::span<const double> starts, double duration_seconds, double interval);

// A recording's poster.jpg (at most kLiveThumbnailWidth wide: the first
// keyframe that is not dark from 10 % of the duration to 30 % or +10 s, else
// the brightest) and storyboard, one keyframe decode per step() so the
// caller can run it as short tasks (~10 ms each) instead of one long one.
class RecordingPictureMaker {
 public:
  RecordingPictureMaker(std::vector<RecordedSegment> segments, double duration_seconds, double min_interval);
  // Decodes the next keyframe the storyboard needs; false when none is left.
  bool step();
  // Writes the pictures into `dir`; false when no keyframe decoded (nothing
  // written). Throws only for write errors.
  bool write(const std::filesystem::path& dir);

 private:
  std::vector<RecordedSegment> segments_;
  double duration_;
  double interval_;
  std::vector<std::size_t> plan_;
  std::size_t next_ = 0;  // into plan_
  double from_ = 0;       // where the poster is looked for
  double until_ = 0;
  PictureScaler scaler_;
  std::vector<FramePtr> tiles_;
  PictureSize tile_size_;
  FramePtr poster_;
  double poster_luma_ = -1;
  bool poster_final_ = false;
  std::optional<std::size_t> decoded_index_;
  FramePtr tile_;
  std::size_t missing_front_ = 0;
};

// All of it at once (RecordingPictureMaker until done, then write).
bool write_recording_pictures(const std::filesystem::path& dir, std::span<const RecordedSegment> segments,
                              double duration_seconds, double min_interval);

}  // namespace tidecast::transcode

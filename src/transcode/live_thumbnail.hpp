#pragma once
// Live thumbnails: a small JPEG of a recent frame per live channel, one per
// interval, and the pictures its recording keeps for a poster and storyboard.
//
//   ladder on:  offer_frame() gets every frame the ladder decodes anyway
//               (no second decode); one per interval is scaled and encoded.
//   ladder off: offer_packet() gets the source's video packets; at most one
//               keyframe per interval is decoded (alone), scaled and encoded.
//
// Either way the work (decode, scale, mjpeg encode) runs as one task on the
// CPU pool, never on the caller's thread, and a new one starts only when the
// last has finished, so a channel costs at most one small encode per interval
// however busy the pool is. The interval is wall time: a publisher's burst
// does not make more pictures.
//
// The recording's pictures come from the same JPEGs (no extra decode): poster
// candidates and 160-px storyboard tiles, thinned as the stream gets longer
// so memory stays bounded (at most kStoryboardMaxTiles tiles and
// kPosterCandidates JPEGs per channel).
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "media/packet.hpp"
#include "transcode/av_util.hpp"
#include "transcode/thumbnails.hpp"

namespace tidecast::transcode {

constexpr int kLiveThumbnailWidth = 640;
constexpr std::size_t kPosterCandidates = 16;

// When the next picture is due (pure; times in seconds of any steady clock).
class ThumbnailPacer {
 public:
  explicit ThumbnailPacer(double interval_seconds) : interval_(interval_seconds) {}
  // True when a picture should be taken now (then it counts as in flight):
  // the first call, then once `interval` has passed since the last one
  // started, and never while one is in flight.
  bool take(double now);
  // The picture in flight is done (made or failed).
  void done() { in_flight_ = false; }
  bool in_flight() const { return in_flight_; }

 private:
  double interval_;
  std::optional<double> last_;
  bool in_flight_ = false;
};

// A thumbnail's size for a decoded picture: at most `max_width` wide, the
// display aspect kept (sample aspect ratio applied), both even.
PictureSize live_thumbnail_size(int width, int height, int sar_num, int sar_den, int max_width = kLiveThumbnailWidth);

// Time of the stream as the recording plays it: frame timestamps (ms)
// advance it by their step, clamped to 0..10 s, so a restart of the
// publisher's clock (a reconnect) or a jump does not throw it off by more
// than the gap.
class MediaClock {
 public:
  double at(std::int64_t pts_ms);

 private:
  std::optional<std::int64_t> last_;
  double seconds_ = 0;
};

// What a recording keeps of the live thumbnails (pure bookkeeping over
// pictures; see the header comment).
class RecordingPictures {
 public:
  explicit RecordingPictures(double tile_interval_seconds);
  // A thumbnail made at `seconds` of the recording: its JPEG, its mean luma,
  // and the picture (yuvj420p) for a storyboard tile.
  void add(double seconds, std::shared_ptr<const std::vector<std::uint8_t>> jpeg, double luma, const AVFrame* picture);
  // poster.jpg (the first bright candidate from 10 % of the duration on, else
  // the brightest) and the storyboard into `dir`. False when nothing was kept.
  bool write(const std::filesystem::path& dir, double duration_seconds) const;
  // Which candidate write() uses as the poster (index into candidates()).
  std::optional<std::size_t> poster_index(double duration_seconds) const;

  struct Candidate {
    double seconds = 0;
    double luma = 0;
    std::shared_ptr<const std::vector<std::uint8_t>> jpeg;
  };
  const std::vector<Candidate>& candidates() const { return candidates_; }
  std::size_t tiles() const { return tiles_.size(); }
  double tile_interval() const { return tile_interval_; }

 private:
  double tile_interval_;
  double candidate_spacing_;
  std::vector<Candidate> candidates_;
  std::vector<FramePtr> tiles_;
  PictureScaler scaler_;
};

struct LiveThumbnailOptions {
  double interval_seconds = 5;
  int width = kLiveThumbnailWidth;
  bool keep_for_recording = true;  // collect the recording's poster and storyboard
  std::string name;                // stream name for logs
  core::Logger* log = nullptr;
};

struct LivePicture {
  std::shared_ptr<const std::vector<std::uint8_t>> jpeg;
  int width = 0;
  int height = 0;
  double encode_microseconds = 0;  // scale + encode (and the keyframe decode, if any)
};

class LiveThumbnailer {
 public:
  using Executor = boost::asio::thread_pool::executor_type;
  // `sink` runs on a pool thread with each new picture.
  LiveThumbnailer(Executor executor, LiveThumbnailOptions options, std::function<void(LivePicture)> sink);
  ~LiveThumbnailer();
  LiveThumbnailer(const LiveThumbnailer&) = delete;
  LiveThumbnailer& operator=(const LiveThumbnailer&) = delete;

  // The source of the packets offer_packet() will get (each period).
  void set_source(const media::StreamInfo& info);
  // A frame the ladder decoded (its pts in ms). Any thread, one at a time.
  void offer_frame(const SharedFrame& frame);
  // A source packet while no ladder decodes (keyframes are used).
  void offer_packet(const media::PacketPtr& packet);
  // The recording's poster.jpg and storyboard into `dir`; false if none.
  bool write_recording_pictures(const std::filesystem::path& dir, double duration_seconds);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tidecast::transcode

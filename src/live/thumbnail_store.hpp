#pragma once
// A live channel's thumbnail, made on demand: ingest only keeps the newest
// keyframe (a shared packet, no decode) with its codec parameters; the JPEG
// (transcode/live_thumbnail.hpp) is made on the CPU pool when someone asks
// for /live/<channel>/thumbnail.jpg, and kept until a keyframe at least
// `interval` (live.thumbnail_seconds) of media time newer has come. So a
// channel costs at most one small decode + encode per interval while it is
// watched, and none while nobody looks.
//
// The listings (channel JSON, /api/v1/live) link the picture with a version
// before it exists: the version names the kept keyframe (a hash of its
// bytes and timestamp), so it changes when the picture would, and a page
// asks for a new picture only then. Requests that come while the picture is
// being made wait for that one encode.
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "media/packet.hpp"
#include "package/presentation.hpp"
#include "transcode/live_thumbnail.hpp"

namespace tidecast::live {

struct LiveThumbnail {
  std::shared_ptr<const std::vector<std::uint8_t>> jpeg;
  std::string version;  // names the keyframe it shows (16 hex digits)
  std::string etag;     // quoted, strong: "\"<version>\""
  int width = 0;
  int height = 0;
  std::int64_t taken_ms = 0;  // unix time
};

// The newest keyframe and the picture made of it; thread-safe.
class ThumbnailStore : public std::enable_shared_from_this<ThumbnailStore> {
 public:
  using Executor = boost::asio::thread_pool::executor_type;
  // Makes the picture (pool thread); throws on failure. Tests replace it.
  using Maker = std::function<transcode::LivePicture(const media::Packet&, const transcode::VideoSourceSpec&)>;
  using Done = std::function<void(std::shared_ptr<const LiveThumbnail>)>;

  ThumbnailStore(Executor executor, double interval_seconds, std::string channel, core::Logger& log,
                 core::Counter* made = nullptr, Maker maker = {});

  // A new period: the codec parameters of the keyframes that follow (null:
  // a codec we do not decode, so no pictures). Forgets the kept keyframe.
  void set_source(std::shared_ptr<const transcode::VideoSourceSpec> source);
  // A source packet (channel strand): a video keyframe is kept when none is,
  // or when it is at least `interval` newer than the kept one.
  void offer(const media::PacketPtr& packet);
  // The version a request now gets; nullopt when there is no picture to make.
  std::optional<std::string> version() const;

  struct Answer {
    std::shared_ptr<const LiveThumbnail> ready;  // the picture, now
    bool pending = false;                        // else: `done` gets it later (null: failed)
  };
  // The picture of the kept keyframe: ready when made, else made on the
  // pool (one encode for every request that waits) and handed to `done`.
  // Neither: nothing to make (no keyframe yet, or it failed to decode).
  Answer picture(Done done);
  // Pictures made so far.
  std::uint64_t made() const;

 private:
  struct Kept {
    media::PacketPtr keyframe;
    std::shared_ptr<const transcode::VideoSourceSpec> source;
    std::string version;
    std::int64_t media_ms = 0;
  };
  void make(Kept kept);

  const Executor executor_;
  const double interval_seconds_;
  const std::string channel_;
  core::Logger& log_;
  core::Counter* const made_counter_;
  const Maker maker_;

  mutable std::mutex mutex_;
  std::shared_ptr<const transcode::VideoSourceSpec> source_;
  std::optional<Kept> kept_;
  std::shared_ptr<const LiveThumbnail> picture_;  // of kept_ (or an older keyframe)
  std::string failed_version_;                    // kept_'s keyframe did not decode: not tried again
  bool making_ = false;
  std::vector<Done> waiting_;
  std::uint64_t made_ = 0;
  std::uint64_t failures_ = 0;
};

// "/live/<channel>/thumbnail.jpg?t=<version>" on `base` (a live base URL,
// signed for a private channel: api::MediaLinks::live_base).
std::string thumbnail_url(const std::string& base, const std::string& version);

// What a LiveChannel holds: the store, and what its recording's pictures
// need at the end (each period's codec parameters).
class ChannelThumbnails {
 public:
  using Executor = ThumbnailStore::Executor;
  // interval_seconds <= 0: off (no live pictures, no recording pictures).
  ChannelThumbnails(Executor executor, double interval_seconds, bool keep_for_recording, std::string channel,
                    core::Logger& log, core::Counter* made = nullptr);

  // A period starts (its index: the recording's segment files name it).
  void start_period(const media::StreamInfo& info, std::uint32_t period);
  // Every packet of the source (channel strand): cheap, keeps keyframes only.
  void on_packet(const media::PacketPtr& packet) {
    if (store_) store_->offer(packet);
  }
  // poster.jpg and the storyboard of the finished recording, from the
  // keyframes its passthrough segments (`video`, the recording's v0) start
  // with, made on the CPU pool one keyframe per task (a long recording's
  // ~100 decodes never hold a pool thread for long); logs a failure. `done`
  // gets the files written, comma-separated (RecordingSummary::extras), on a
  // pool thread (at once, on the caller's, when there is nothing to make).
  void write_recording(const std::filesystem::path& dir, const package::TrackDescription* video,
                       double duration_seconds, std::function<void(std::string extras)> done);
  // Null when thumbnails are off.
  const std::shared_ptr<ThumbnailStore>& store() const { return store_; }

 private:
  Executor executor_;
  std::shared_ptr<ThumbnailStore> store_;
  double interval_seconds_;
  bool keep_for_recording_;
  std::map<std::uint32_t, std::shared_ptr<const transcode::VideoSourceSpec>> sources_;  // by period
  std::string channel_;
  core::Logger& log_;
};

}  // namespace tidecast::live

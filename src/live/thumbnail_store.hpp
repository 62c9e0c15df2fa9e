#pragma once
// A live channel's thumbnail (transcode/live_thumbnail.hpp makes it): the
// latest JPEG in memory, served as /live/<channel>/thumbnail.jpg by the node
// that has the channel live, and linked from the channel and live-list JSON
// with a version that changes when the picture does.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "media/packet.hpp"
#include "transcode/live_thumbnail.hpp"

namespace tidecast::live {

struct LiveThumbnail {
  std::shared_ptr<const std::vector<std::uint8_t>> jpeg;
  std::string version;  // content hash (hex): the same picture has the same version on every node
  std::string etag;     // quoted, strong
  int width = 0;
  int height = 0;
  std::int64_t taken_ms = 0;  // unix time
};

// The latest picture; thread-safe.
class ThumbnailStore {
 public:
  void publish(std::shared_ptr<const std::vector<std::uint8_t>> jpeg, int width, int height, std::int64_t now_ms);
  std::shared_ptr<const LiveThumbnail> latest() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const LiveThumbnail> latest_;
};

// "/live/<channel>/thumbnail.jpg?t=<version>" on `base` (a live base URL,
// signed for a private channel: api::MediaLinks::live_base).
std::string thumbnail_url(const std::string& base, const LiveThumbnail& thumbnail);

// What a LiveChannel holds: the thumbnailer and its store, behind the few
// calls the channel makes.
class ChannelThumbnails {
 public:
  using Executor = transcode::LiveThumbnailer::Executor;
  // interval_seconds <= 0: off (no pictures, no store updates).
  ChannelThumbnails(Executor executor, double interval_seconds, bool keep_for_recording, std::string channel,
                    core::Logger& log);

  void start_period(const media::StreamInfo& info);
  // Every packet of the source; used while no ladder decodes.
  void on_packet(const media::PacketPtr& packet, bool ladder_decodes);
  // For LadderCallbacks::on_source_frame; empty when off.
  std::function<void(const transcode::SharedFrame&)> frame_hook() const;
  // poster.jpg and the storyboard of the finished recording; logs a
  // failure. Returns the files written, comma-separated (RecordingSummary::extras).
  std::string write_recording(const std::filesystem::path& dir, double duration_seconds);
  std::shared_ptr<const LiveThumbnail> latest() const { return store_->latest(); }

 private:
  std::shared_ptr<ThumbnailStore> store_ = std::make_shared<ThumbnailStore>();
  std::shared_ptr<transcode::LiveThumbnailer> thumbnailer_;
  std::string channel_;
  core::Logger& log_;
};

}  // namespace tidecast::live

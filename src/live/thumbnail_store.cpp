#include "live/thumbnail_store.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"

namespace tidecast::live {

namespace {

// FNV-1a, like the manifests' ETags: the same bytes give the same version on
// every node and after a restart, so an edge cache never mixes two pictures.
std::uint64_t content_hash(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t hash = 1469598103934665603ull;
  for (const std::uint8_t c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

void ThumbnailStore::publish(std::shared_ptr<const std::vector<std::uint8_t>> jpeg, int width, int height,
                             std::int64_t now_ms) {
  if (!jpeg || jpeg->empty()) return;
  auto next = std::make_shared<LiveThumbnail>();
  next->version = fmt::format("{:016x}", content_hash(*jpeg));
  next->etag = fmt::format("\"{}-{:x}\"", next->version, jpeg->size());
  next->jpeg = std::move(jpeg);
  next->width = width;
  next->height = height;
  next->taken_ms = now_ms;
  std::lock_guard lock(mutex_);
  latest_ = std::move(next);
}

std::shared_ptr<const LiveThumbnail> ThumbnailStore::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::string thumbnail_url(const std::string& base, const LiveThumbnail& thumbnail) {
  return fmt::format("{}thumbnail.jpg?t={}", base, thumbnail.version);
}

ChannelThumbnails::ChannelThumbnails(Executor executor, double interval_seconds, bool keep_for_recording,
                                     std::string channel, core::Logger& log)
    : channel_(std::move(channel)), log_(log) {
  if (interval_seconds <= 0) return;
  transcode::LiveThumbnailOptions options;
  options.interval_seconds = interval_seconds;
  options.keep_for_recording = keep_for_recording;
  options.name = channel_;
  options.log = &log;
  // The sink runs on a pool thread, possibly after the channel is gone: it
  // holds the store, never the channel.
  auto sink = [store = store_, name = channel_, &log,
               first = std::make_shared<bool>(true)](transcode::LivePicture picture) {
    const std::size_t bytes = picture.jpeg ? picture.jpeg->size() : 0;
    store->publish(std::move(picture.jpeg), picture.width, picture.height, core::unix_now_ms());
    if (std::exchange(*first, false)) {
      log.info("live", "thumbnail channel={} size={}x{} bytes={} encode_us={:.0f}", name, picture.width, picture.height,
               bytes, picture.encode_microseconds);
    } else {
      log.debug("live", "thumbnail channel={} bytes={} encode_us={:.0f}", name, bytes, picture.encode_microseconds);
    }
  };
  thumbnailer_ = std::make_shared<transcode::LiveThumbnailer>(executor, std::move(options), std::move(sink));
}

void ChannelThumbnails::start_period(const media::StreamInfo& info) {
  if (thumbnailer_) thumbnailer_->set_source(info);
}

void ChannelThumbnails::on_packet(const media::PacketPtr& packet, bool ladder_decodes) {
  if (thumbnailer_ && !ladder_decodes) thumbnailer_->offer_packet(packet);
}

std::function<void(const transcode::SharedFrame&)> ChannelThumbnails::frame_hook() const {
  if (!thumbnailer_) return {};
  return [thumbnailer = thumbnailer_](const transcode::SharedFrame& frame) { thumbnailer->offer_frame(frame); };
}

std::string ChannelThumbnails::write_recording(const std::filesystem::path& dir, double duration_seconds) {
  if (!thumbnailer_) return {};
  try {
    if (thumbnailer_->write_recording_pictures(dir, duration_seconds)) {
      log_.info("live", "recording poster channel={} dir={}", channel_, dir.string());
    }
  } catch (const std::exception& e) {
    log_.warn("live", "recording poster failed channel={} error=\"{}\"", channel_, e.what());
  }
  std::string written;
  std::error_code ec;
  for (const char* file : {"poster.jpg", "storyboard.vtt"}) {
    if (!std::filesystem::is_regular_file(dir / file, ec)) continue;
    if (!written.empty()) written += ',';
    written += file;
  }
  return written;
}

}  // namespace tidecast::live

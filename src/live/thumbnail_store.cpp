#include "live/thumbnail_store.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include "core/clock.hpp"

namespace tidecast::live {

namespace {

// FNV-1a of the keyframe and its timestamp: the same keyframe gives the same
// version on every node and after a restart, so an edge cache never mixes two
// pictures under one URL. About 0.1 ms per kept keyframe (one per interval).
std::string keyframe_version(const media::Packet& packet) {
  std::uint64_t hash = 1469598103934665603ull;
  const auto mix = [&hash](std::uint8_t c) {
    hash ^= c;
    hash *= 1099511628211ull;
  };
  for (const std::uint8_t c : packet.data) mix(c);
  for (int shift = 0; shift < 64; shift += 8)
    mix(static_cast<std::uint8_t>(static_cast<std::uint64_t>(packet.dts) >> shift));
  return fmt::format("{:016x}", hash);
}

}  // namespace

ThumbnailStore::ThumbnailStore(Executor executor, double interval_seconds, std::string channel, core::Logger& log,
                               core::Counter* made, Maker maker)
    : executor_(executor),
      interval_seconds_(interval_seconds),
      channel_(std::move(channel)),
      log_(log),
      made_counter_(made),
      maker_(maker ? std::move(maker)
                   : Maker([](const media::Packet& keyframe, const transcode::VideoSourceSpec& source) {
                       return transcode::make_live_picture(keyframe, source);
                     })) {}

void ThumbnailStore::set_source(std::shared_ptr<const transcode::VideoSourceSpec> source) {
  std::lock_guard lock(mutex_);
  source_ = std::move(source);
  kept_.reset();  // the next period's clock starts anew; its first keyframe is kept
}

void ThumbnailStore::offer(const media::PacketPtr& packet) {
  if (!packet->keyframe || packet->kind != media::TrackKind::video || packet->timescale == 0) return;
  const std::int64_t media_ms = packet->dts * 1000 / packet->timescale;
  {
    std::lock_guard lock(mutex_);
    if (!source_) return;
    // A step back (the publisher's clock restarted) takes the new one too.
    if (kept_ && media_ms >= kept_->media_ms &&
        static_cast<double>(media_ms - kept_->media_ms) < interval_seconds_ * 1000) {
      return;
    }
  }
  std::string version = keyframe_version(*packet);  // outside the lock: requests do not wait for it
  std::lock_guard lock(mutex_);
  kept_ = Kept{.keyframe = packet, .source = source_, .version = std::move(version), .media_ms = media_ms};
}

std::optional<std::string> ThumbnailStore::version() const {
  std::lock_guard lock(mutex_);
  if (kept_ && kept_->version != failed_version_) return kept_->version;
  if (picture_) return picture_->version;
  return std::nullopt;
}

ThumbnailStore::Answer ThumbnailStore::picture(Done done) {
  std::lock_guard lock(mutex_);
  if (!kept_ || kept_->version == failed_version_ || (picture_ && picture_->version == kept_->version)) {
    return {.ready = picture_, .pending = false};
  }
  waiting_.push_back(std::move(done));
  if (!making_) {
    making_ = true;
    make(*kept_);
  }
  return {.ready = nullptr, .pending = true};
}

std::uint64_t ThumbnailStore::made() const {
  std::lock_guard lock(mutex_);
  return made_;
}

void ThumbnailStore::make(Kept kept) {
  // 5-15 ms of decode + scale + encode: on the CPU pool, never on the I/O
  // thread that asked. The task holds the store, so it outlives the channel.
  boost::asio::post(executor_, [self = shared_from_this(), kept = std::move(kept)] {
    std::shared_ptr<LiveThumbnail> made;
    double encode_us = 0;
    std::string error;
    try {
      transcode::LivePicture picture = self->maker_(*kept.keyframe, *kept.source);
      if (picture.jpeg && !picture.jpeg->empty()) {
        made = std::make_shared<LiveThumbnail>();
        made->jpeg = std::move(picture.jpeg);
        made->version = kept.version;
        made->etag = fmt::format("\"{}\"", kept.version);
        made->width = picture.width;
        made->height = picture.height;
        made->taken_ms = core::unix_now_ms();
        encode_us = picture.encode_microseconds;
      } else {
        error = "empty picture";
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::vector<Done> waiting;
    std::shared_ptr<const LiveThumbnail> answer;
    std::uint64_t count = 0;
    std::uint64_t failures = 0;
    {
      std::lock_guard lock(self->mutex_);
      self->making_ = false;
      if (made) {
        self->picture_ = made;
        count = ++self->made_;
      } else {
        self->failed_version_ = kept.version;
        failures = ++self->failures_;
      }
      answer = self->picture_;  // on failure, the last picture (if any)
      waiting.swap(self->waiting_);
    }
    if (made) {
      if (self->made_counter_) self->made_counter_->inc();
      if (count == 1) {
        self->log_.info("live", "thumbnail channel={} size={}x{} bytes={} encode_us={:.0f}", self->channel_,
                        made->width, made->height, made->jpeg->size(), encode_us);
      } else {
        self->log_.debug("live", "thumbnail channel={} bytes={} encode_us={:.0f}", self->channel_, made->jpeg->size(),
                         encode_us);
      }
    } else if (failures % 100 == 1) {
      self->log_.warn("live", "thumbnail failed channel={} failures={} error=\"{}\"", self->channel_, failures, error);
    }
    for (auto& done : waiting) done(answer);
  });
}

std::string thumbnail_url(const std::string& base, const std::string& version) {
  return fmt::format("{}thumbnail.jpg?t={}", base, version);
}

ChannelThumbnails::ChannelThumbnails(Executor executor, double interval_seconds, bool keep_for_recording,
                                     std::string channel, core::Logger& log, core::Counter* made)
    : executor_(executor),
      interval_seconds_(interval_seconds),
      keep_for_recording_(keep_for_recording),
      channel_(std::move(channel)),
      log_(log) {
  if (interval_seconds > 0) store_ = std::make_shared<ThumbnailStore>(executor, interval_seconds, channel_, log, made);
}

void ChannelThumbnails::start_period(const media::StreamInfo& info, std::uint32_t period) {
  if (!store_) return;
  std::shared_ptr<const transcode::VideoSourceSpec> source;
  if (info.video) {
    try {
      source = std::make_shared<const transcode::VideoSourceSpec>(transcode::video_source_spec(*info.video, 1000));
    } catch (const std::exception&) {
      // Not a codec we decode: no pictures for this period.
    }
  }
  if (keep_for_recording_) sources_[period] = source;
  store_->set_source(std::move(source));
}

namespace {

std::string written_extras(const std::filesystem::path& dir) {
  std::string written;
  std::error_code ec;
  for (const char* file : {"poster.jpg", "storyboard.vtt"}) {
    if (!std::filesystem::is_regular_file(dir / file, ec)) continue;
    if (!written.empty()) written += ',';
    written += file;
  }
  return written;
}

struct RecordingJob {
  std::filesystem::path dir;
  transcode::RecordingPictureMaker maker;
  std::string channel;
  core::Logger& log;
  std::function<void(std::string)> done;
};

// One keyframe per task, then the files and `done`.
void run_recording_job(ThumbnailStore::Executor executor, std::shared_ptr<RecordingJob> job) {
  boost::asio::post(executor, [executor, job] {
    try {
      if (job->maker.step()) return run_recording_job(executor, job);
      if (job->maker.write(job->dir)) {
        job->log.info("live", "recording poster channel={} dir={}", job->channel, job->dir.string());
      }
    } catch (const std::exception& e) {
      job->log.warn("live", "recording poster failed channel={} error=\"{}\"", job->channel, e.what());
    }
    job->done(written_extras(job->dir));
  });
}

}  // namespace

void ChannelThumbnails::write_recording(const std::filesystem::path& dir, const package::TrackDescription* video,
                                        double duration_seconds, std::function<void(std::string)> done) {
  if (!store_ || !keep_for_recording_ || !video || video->timescale == 0) return done({});
  std::vector<transcode::RecordedSegment> segments;
  segments.reserve(video->segments.size());
  double start = 0;  // the recording's own timeline: periods follow each other
  for (const auto& s : video->segments) {
    const auto source = sources_.find(s.period);
    if (!s.missing && source != sources_.end() && source->second) {
      segments.push_back({.start_seconds = start, .file = dir / video->id / s.file_name(), .source = source->second});
    }
    start += s.duration_seconds(video->timescale);
  }
  run_recording_job(
      executor_,
      std::make_shared<RecordingJob>(RecordingJob{
          .dir = dir,
          .maker = transcode::RecordingPictureMaker(std::move(segments), duration_seconds, interval_seconds_),
          .channel = channel_,
          .log = log_,
          .done = std::move(done)}));
}

}  // namespace tidecast::live

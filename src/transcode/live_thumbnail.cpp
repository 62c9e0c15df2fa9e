#include "transcode/live_thumbnail.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cmath>

#include "transcode/file_output.hpp"
#include "transcode/video_codec.hpp"

namespace tidecast::transcode {

namespace {

constexpr double kMaxClockStep = 10.0;  // seconds one timestamp step may advance the media clock

int even_size(double value) {
  return std::max(2, static_cast<int>(std::lround(value / 2.0)) * 2);
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Keeps elements 0, 2, 4, ...: the same slots at twice the spacing.
template <class T>
void keep_even(std::vector<T>& items) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < items.size(); i += 2) items[out++] = std::move(items[i]);
  items.resize(out);
}

}  // namespace

bool ThumbnailPacer::take(double now) {
  if (in_flight_) return false;
  if (last_ && now - *last_ < interval_) return false;
  last_ = now;
  in_flight_ = true;
  return true;
}

PictureSize live_thumbnail_size(int width, int height, int sar_num, int sar_den, int max_width) {
  if (width <= 0 || height <= 0 || max_width <= 0) return {};
  double display = width;
  if (sar_num > 0 && sar_den > 0) display = static_cast<double>(width) * sar_num / sar_den;
  const double out_width = std::min<double>(max_width, display);
  return {even_size(out_width), even_size(height * out_width / display)};
}

double MediaClock::at(std::int64_t pts_ms) {
  if (last_) {
    const double step = static_cast<double>(pts_ms - *last_) / 1000.0;
    seconds_ += std::clamp(step, 0.0, kMaxClockStep);
  }
  last_ = pts_ms;
  return seconds_;
}

RecordingPictures::RecordingPictures(double tile_interval_seconds)
    : tile_interval_(std::max(1.0, std::ceil(tile_interval_seconds - 1e-9))), candidate_spacing_(tile_interval_) {}

void RecordingPictures::add(double seconds, std::shared_ptr<const std::vector<std::uint8_t>> jpeg, double luma,
                            const AVFrame* picture) {
  // A slot is due from half a spacing before its time: pictures come about
  // one interval apart, with jitter either way.
  if (jpeg && static_cast<double>(candidates_.size()) * candidate_spacing_ - candidate_spacing_ / 2 <= seconds) {
    candidates_.push_back({seconds, luma, std::move(jpeg)});
    if (candidates_.size() > kPosterCandidates) {
      keep_even(candidates_);
      candidate_spacing_ *= 2;
    }
  }
  if (!picture || picture->width <= 0 || picture->height <= 0) return;
  FramePtr tile;  // this picture at tile size, made once
  // Every slot up to `seconds` gets this picture (a clock jump leaves no hole).
  while (static_cast<double>(tiles_.size()) * tile_interval_ - tile_interval_ / 2 <= seconds) {
    if (tiles_.size() >= static_cast<std::size_t>(kStoryboardMaxTiles)) {
      keep_even(tiles_);
      tile_interval_ *= 2;
      continue;
    }
    if (!tile) {
      const int width = tiles_.empty() ? kStoryboardTileWidth : tiles_.front()->width;
      const int height = tiles_.empty()
                             ? storyboard_layout(1, tile_interval_, picture->width, picture->height).tile_height
                             : tiles_.front()->height;
      tile = scaler_.scale(*picture, width, height);
    }
    tiles_.push_back(ref_frame(tile.get()));
  }
}

std::optional<std::size_t> RecordingPictures::poster_index(double duration_seconds) const {
  if (candidates_.empty()) return std::nullopt;
  // Like an upload's poster (thumbnails.hpp): from 10 % of the duration, the
  // first picture that is not dark, up to 30 % (or +10 s); else the brightest.
  const double from = std::max(0.0, duration_seconds) * 0.1;
  const double until = std::max(duration_seconds * 0.3, from + 10.0);
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    const auto& c = candidates_[i];
    if (c.seconds + candidate_spacing_ / 2 >= from && c.seconds <= until && c.luma >= kDarkLuma) return i;
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < candidates_.size(); ++i) {
    if (candidates_[i].luma > candidates_[best].luma) best = i;
  }
  return best;
}

bool RecordingPictures::write(const std::filesystem::path& dir, double duration_seconds) const {
  const auto poster = poster_index(duration_seconds);
  if (!poster) return false;
  write_output_file(dir / "poster.jpg", *candidates_[*poster].jpeg);
  write_storyboard(dir, tiles_, tile_interval_, duration_seconds);
  return true;
}

struct LiveThumbnailer::Impl : std::enable_shared_from_this<LiveThumbnailer::Impl> {
  Impl(Executor executor, LiveThumbnailOptions options, std::function<void(LivePicture)> sink)
      : executor_(executor), options_(std::move(options)), sink_(std::move(sink)), pacer_(options_.interval_seconds) {
    if (options_.keep_for_recording) recording_.emplace(options_.interval_seconds);
  }

  void set_source(const media::StreamInfo& info) {
    std::shared_ptr<const VideoSourceSpec> spec;
    if (info.video) {
      try {
        spec = std::make_shared<const VideoSourceSpec>(video_source_spec(*info.video, 1000));
      } catch (const std::exception&) {
        // Not a codec we decode: no thumbnails without the ladder.
      }
    }
    std::lock_guard lock(mutex_);
    source_ = std::move(spec);
  }

  void offer_frame(const SharedFrame& frame) {
    if (!frame || frame->pts == AV_NOPTS_VALUE) return;
    double seconds = 0;
    {
      std::lock_guard lock(mutex_);
      seconds = clock_.at(frame->pts);
      if (stopped_ || !pacer_.take(steady_seconds())) return;
    }
    boost::asio::post(executor_,
                      [self = shared_from_this(), frame, seconds] { self->make(frame, nullptr, nullptr, seconds); });
  }

  void offer_packet(const media::PacketPtr& packet) {
    if (!packet || packet->kind != media::TrackKind::video || packet->timescale == 0) return;
    double seconds = 0;
    std::shared_ptr<const VideoSourceSpec> source;
    {
      std::lock_guard lock(mutex_);
      // DTS: packets come in decoding order (PTS would step back and forth).
      seconds = clock_.at(packet->dts * 1000 / packet->timescale);
      if (!packet->keyframe || !source_ || stopped_ || !pacer_.take(steady_seconds())) return;
      source = source_;
    }
    boost::asio::post(executor_, [self = shared_from_this(), packet, source, seconds] {
      self->make(nullptr, packet, source, seconds);
    });
  }

  // One task at a time (the pacer holds the next back until done()).
  void make(const SharedFrame& frame, const media::PacketPtr& packet,
            const std::shared_ptr<const VideoSourceSpec>& source, double seconds) {
    const auto start = std::chrono::steady_clock::now();
    try {
      FramePtr decoded;
      const AVFrame* picture_source = frame.get();
      if (packet) {
        decoded = decode_keyframe(*packet, source);
        picture_source = decoded.get();
      }
      if (picture_source) {
        const PictureSize size =
            live_thumbnail_size(picture_source->width, picture_source->height, picture_source->sample_aspect_ratio.num,
                                picture_source->sample_aspect_ratio.den, options_.width);
        if (size.width > 0) publish(*picture_source, size, seconds, start);
      }
    } catch (const std::exception& e) {
      if (options_.log && ++failures_ % 100 == 1) {
        options_.log->warn("live", "thumbnail failed stream={} failures={} error=\"{}\"", options_.name, failures_,
                           e.what());
      }
    }
    std::lock_guard lock(mutex_);
    pacer_.done();
  }

  void publish(const AVFrame& source, PictureSize size, double seconds, std::chrono::steady_clock::time_point start) {
    FramePtr picture = scaler_.scale(source, size.width, size.height);
    auto jpeg = std::make_shared<const std::vector<std::uint8_t>>(encode_jpeg(*picture));
    LivePicture out;
    out.jpeg = jpeg;
    out.width = size.width;
    out.height = size.height;
    out.encode_microseconds =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    if (recording_) {
      const double luma = mean_luma(*picture);
      std::lock_guard lock(recording_mutex_);
      recording_->add(seconds, std::move(jpeg), luma, picture.get());
    }
    if (sink_) sink_(std::move(out));
  }

  FramePtr decode_keyframe(const media::Packet& packet, const std::shared_ptr<const VideoSourceSpec>& source) {
    if (!source) return nullptr;
    // The keyframe alone, with a decoder made for it: a kept one held its
    // frame pool and contexts between pictures (about 5 MB per 720p channel,
    // most of a passthrough channel's memory after its segments), and
    // opening one costs far less than the decode.
    VideoDecoder decoder(*source, 1, true);
    std::vector<FramePtr> frames;
    const std::int64_t ms = packet.pts * 1000 / packet.timescale;
    const std::int64_t dts_ms = packet.dts * 1000 / packet.timescale;
    decoder.decode(packet.data, ms, dts_ms, true, frames);
    decoder.flush(frames);
    if (frames.empty()) return nullptr;
    return std::move(frames.front());
  }

  bool write_recording(const std::filesystem::path& dir, double duration_seconds) {
    std::lock_guard lock(recording_mutex_);
    return recording_ && recording_->write(dir, duration_seconds);
  }

  const Executor executor_;
  const LiveThumbnailOptions options_;
  const std::function<void(LivePicture)> sink_;

  std::mutex mutex_;
  ThumbnailPacer pacer_;
  MediaClock clock_;
  std::shared_ptr<const VideoSourceSpec> source_;
  bool stopped_ = false;

  // The task's own (one at a time).
  PictureScaler scaler_;
  std::uint64_t failures_ = 0;

  std::mutex recording_mutex_;
  std::optional<RecordingPictures> recording_;
};

LiveThumbnailer::LiveThumbnailer(Executor executor, LiveThumbnailOptions options, std::function<void(LivePicture)> sink)
    : impl_(std::make_shared<Impl>(executor, std::move(options), std::move(sink))) {}

LiveThumbnailer::~LiveThumbnailer() {
  std::lock_guard lock(impl_->mutex_);
  impl_->stopped_ = true;
}

void LiveThumbnailer::set_source(const media::StreamInfo& info) {
  impl_->set_source(info);
}
void LiveThumbnailer::offer_frame(const SharedFrame& frame) {
  impl_->offer_frame(frame);
}
void LiveThumbnailer::offer_packet(const media::PacketPtr& packet) {
  impl_->offer_packet(packet);
}
bool LiveThumbnailer::write_recording_pictures(const std::filesystem::path& dir, double duration_seconds) {
  return impl_->write_recording(dir, duration_seconds);
}

}  // namespace tidecast::transcode

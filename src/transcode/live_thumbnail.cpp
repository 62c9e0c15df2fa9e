#include "transcode/live_thumbnail.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>

#include "package/fragment_sample.hpp"
#include "transcode/file_output.hpp"

namespace tidecast::transcode {

namespace {

int even_size(double value) {
  return std::max(2, static_cast<int>(std::lround(value / 2.0)) * 2);
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

PictureSize live_thumbnail_size(int width, int height, int sar_num, int sar_den, int max_width) {
  if (width <= 0 || height <= 0 || max_width <= 0) return {};
  double display = width;
  if (sar_num > 0 && sar_den > 0) display = static_cast<double>(width) * sar_num / sar_den;
  const double out_width = std::min<double>(max_width, display);
  return {even_size(out_width), even_size(height * out_width / display)};
}

FramePtr decode_keyframe(std::span<const std::uint8_t> data, const VideoSourceSpec& source) {
  VideoDecoder decoder(source, 1, true);
  std::vector<FramePtr> frames;
  decoder.decode(data, 0, 0, true, frames);
  decoder.flush(frames);
  if (frames.empty()) return nullptr;
  return std::move(frames.front());
}

LivePicture make_live_picture(const media::Packet& keyframe, const VideoSourceSpec& source, int max_width) {
  const auto start = std::chrono::steady_clock::now();
  FramePtr frame = decode_keyframe(keyframe.data, source);
  if (!frame) throw TranscodeError("live thumbnail: the keyframe gave no picture");
  const PictureSize size = live_thumbnail_size(frame->width, frame->height, frame->sample_aspect_ratio.num,
                                               frame->sample_aspect_ratio.den, max_width);
  if (size.width <= 0) throw TranscodeError("live thumbnail: the keyframe has no size");
  PictureScaler scaler;
  FramePtr picture = scaler.scale(*frame, size.width, size.height);
  LivePicture out;
  out.jpeg = std::make_shared<const std::vector<std::uint8_t>>(encode_jpeg(*picture));
  out.width = size.width;
  out.height = size.height;
  out.encode_microseconds = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  return out;
}

double recording_tile_interval(double duration_seconds, double min_interval) {
  return std::max(storyboard_interval(duration_seconds), std::ceil(std::max(1.0, min_interval) - 1e-9));
}

std::vector<std::size_t> storyboard_segments(std::span<const double> starts, double duration_seconds, double interval) {
  std::vector<std::size_t> out;
  if (starts.empty() || !(interval > 0)) return out;
  const double duration = std::max(duration_seconds, 0.0);
  std::size_t segment = 0;
  for (int tile = 0; tile < kStoryboardMaxTiles; ++tile) {
    const double at = tile * interval;
    if (tile > 0 && at >= duration) break;
    while (segment + 1 < starts.size() && starts[segment + 1] <= at + 1e-6) ++segment;
    out.push_back(segment);
  }
  return out;
}

RecordingPictureMaker::RecordingPictureMaker(std::vector<RecordedSegment> segments, double duration_seconds,
                                             double min_interval)
    : segments_(std::move(segments)),
      duration_(duration_seconds),
      interval_(recording_tile_interval(duration_seconds, min_interval)) {
  std::vector<double> starts;
  starts.reserve(segments_.size());
  for (const auto& s : segments_) starts.push_back(s.start_seconds);
  plan_ = storyboard_segments(starts, duration_seconds, interval_);
  // Like an upload's poster (thumbnails.hpp): from 10 % of the duration, the
  // first picture that is not dark, up to 30 % (or +10 s); else the brightest.
  from_ = std::max(0.0, duration_seconds) * 0.1;
  until_ = std::max(duration_seconds * 0.3, from_ + 10.0);
}

bool RecordingPictureMaker::step() {
  while (next_ < plan_.size()) {
    const std::size_t i = next_++;
    const std::size_t index = plan_[i];
    bool decoded_now = false;
    if (decoded_index_ != index) {  // a segment longer than the interval shows in several tiles, decoded once
      decoded_now = true;
      decoded_index_ = index;
      tile_.reset();
      FramePtr decoded;
      const RecordedSegment& segment = segments_[index];
      if (segment.source) {
        const std::vector<std::uint8_t> bytes = read_file(segment.file);
        if (const auto sample = package::first_sample(bytes)) {
          try {
            decoded = decode_keyframe(*sample, *segment.source);
          } catch (const TranscodeError&) {
            // A keyframe that does not decode: its tiles repeat a neighbour.
          }
        }
      }
      if (decoded) {
        if (tile_size_.width == 0) {  // every tile has the first picture's size
          const PictureSize display =
              live_thumbnail_size(decoded->width, decoded->height, decoded->sample_aspect_ratio.num,
                                  decoded->sample_aspect_ratio.den, decoded->width * 4);
          tile_size_ = {kStoryboardTileWidth,
                        storyboard_layout(1, interval_, display.width, display.height).tile_height};
        }
        tile_ = scaler_.scale(*decoded, tile_size_.width, tile_size_.height);
        const double luma = mean_luma(*tile_);
        const double at = static_cast<double>(i) * interval_;
        if (!poster_final_ && at + interval_ / 2 >= from_ && at <= until_ && luma >= kDarkLuma) {
          poster_ = std::move(decoded);
          poster_final_ = true;
        } else if (!poster_final_ && luma > poster_luma_) {
          poster_ = std::move(decoded);
          poster_luma_ = luma;
        }
      }
    }
    if (tile_) {
      // Tiles before the first picture that decoded show it (every cue keeps its time).
      for (; missing_front_ > 0; --missing_front_) tiles_.push_back(ref_frame(tile_.get()));
      tiles_.push_back(ref_frame(tile_.get()));
    } else if (!tiles_.empty()) {
      tiles_.push_back(ref_frame(tiles_.back().get()));  // a keyframe that failed: its neighbour's picture
    } else {
      ++missing_front_;
    }
    if (decoded_now) return true;
  }
  return false;
}

bool RecordingPictureMaker::write(const std::filesystem::path& dir) {
  if (!poster_) return false;
  const PictureSize size = live_thumbnail_size(poster_->width, poster_->height, poster_->sample_aspect_ratio.num,
                                               poster_->sample_aspect_ratio.den);
  write_output_file(dir / "poster.jpg", encode_jpeg(*scaler_.scale(*poster_, size.width, size.height)));
  write_storyboard(dir, tiles_, interval_, duration_);
  return true;
}

bool write_recording_pictures(const std::filesystem::path& dir, std::span<const RecordedSegment> segments,
                              double duration_seconds, double min_interval) {
  RecordingPictureMaker maker({segments.begin(), segments.end()}, duration_seconds, min_interval);
  while (maker.step()) {
  }
  return maker.write(dir);
}

}  // namespace tidecast::transcode

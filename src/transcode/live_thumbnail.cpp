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

bool write_recording_pictures(const std::filesystem::path& dir, std::span<const RecordedSegment> segments,
                              double duration_seconds, double min_interval) {
  std::vector<double> starts;
  starts.reserve(segments.size());
  for (const auto& s : segments) starts.push_back(s.start_seconds);
  const double interval = recording_tile_interval(duration_seconds, min_interval);
  const std::vector<std::size_t> plan = storyboard_segments(starts, duration_seconds, interval);

  // Like an upload's poster (thumbnails.hpp): from 10 % of the duration, the
  // first picture that is not dark, up to 30 % (or +10 s); else the brightest.
  const double from = std::max(0.0, duration_seconds) * 0.1;
  const double until = std::max(duration_seconds * 0.3, from + 10.0);
  PictureScaler scaler;
  std::vector<FramePtr> tiles;
  PictureSize tile_size;
  FramePtr poster;
  double poster_luma = -1;
  bool poster_final = false;
  std::optional<std::size_t> decoded_index;
  FramePtr decoded;
  FramePtr tile;
  std::size_t missing_front = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const std::size_t index = plan[i];
    if (decoded_index != index) {  // a segment longer than the interval shows in several tiles, decoded once
      decoded_index = index;
      decoded.reset();
      tile.reset();
      const RecordedSegment& segment = segments[index];
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
        if (tiles.empty()) {
          const PictureSize display =
              live_thumbnail_size(decoded->width, decoded->height, decoded->sample_aspect_ratio.num,
                                  decoded->sample_aspect_ratio.den, decoded->width * 4);
          tile_size = {kStoryboardTileWidth, storyboard_layout(1, interval, display.width, display.height).tile_height};
        }
        tile = scaler.scale(*decoded, tile_size.width, tile_size.height);
        const double luma = mean_luma(*tile);
        const double at = static_cast<double>(i) * interval;
        if (!poster_final && at + interval / 2 >= from && at <= until && luma >= kDarkLuma) {
          poster = ref_frame(decoded.get());
          poster_final = true;
        } else if (!poster_final && luma > poster_luma) {
          poster = ref_frame(decoded.get());
          poster_luma = luma;
        }
      }
    }
    if (tile) {
      // Tiles before the first picture that decoded show it (every cue keeps its time).
      for (; missing_front > 0; --missing_front) tiles.push_back(ref_frame(tile.get()));
      tiles.push_back(ref_frame(tile.get()));
    } else if (!tiles.empty()) {
      tiles.push_back(ref_frame(tiles.back().get()));  // a keyframe that failed: its neighbour's picture
    } else {
      ++missing_front;
    }
  }
  if (!poster) return false;
  const PictureSize size = live_thumbnail_size(poster->width, poster->height, poster->sample_aspect_ratio.num,
                                               poster->sample_aspect_ratio.den);
  write_output_file(dir / "poster.jpg", encode_jpeg(*scaler.scale(*poster, size.width, size.height)));
  write_storyboard(dir, tiles, interval, duration_seconds);
  return true;
}

}  // namespace tidecast::transcode

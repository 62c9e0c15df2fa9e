#include "transcode/thumbnails.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "transcode/file_output.hpp"

namespace tidecast::transcode {

namespace {

constexpr double kPosterRetrySeconds = 0.5;

int even(double value) {
  return std::max(2, static_cast<int>(std::lround(value / 2.0)) * 2);
}

FramePtr blank_picture(int width, int height) {
  FramePtr picture = make_frame();
  picture->format = AV_PIX_FMT_YUVJ420P;
  picture->width = width;
  picture->height = height;
  check(av_frame_get_buffer(picture.get(), 0), "storyboard: frame buffer");
  for (int plane = 0; plane < 3; ++plane) {
    const int rows = plane == 0 ? height : height / 2;
    std::memset(picture->data[plane], plane == 0 ? 0 : 128, static_cast<std::size_t>(picture->linesize[plane]) * rows);
  }
  return picture;
}

void copy_tile(const AVFrame& tile, AVFrame& sprite, int x, int y) {
  for (int plane = 0; plane < 3; ++plane) {
    const int shift = plane == 0 ? 0 : 1;
    const int rows = tile.height >> shift;
    const int bytes = tile.width >> shift;
    for (int row = 0; row < rows; ++row) {
      std::memcpy(
          sprite.data[plane] + static_cast<std::ptrdiff_t>((y >> shift) + row) * sprite.linesize[plane] + (x >> shift),
          tile.data[plane] + static_cast<std::ptrdiff_t>(row) * tile.linesize[plane], bytes);
    }
  }
}

}  // namespace

double mean_luma(const AVFrame& picture) {
  double sum = 0;
  std::size_t count = 0;
  for (int y = 0; y < picture.height; y += 4) {
    const std::uint8_t* row = picture.data[0] + static_cast<std::ptrdiff_t>(y) * picture.linesize[0];
    for (int x = 0; x < picture.width; x += 4) {
      sum += row[x];
      ++count;
    }
  }
  return count ? sum / static_cast<double>(count) : 0;
}

double storyboard_interval(double duration_seconds) {
  if (!(duration_seconds > 0)) return 5;
  return std::max(1.0, std::ceil(duration_seconds / kStoryboardMaxTiles - 1e-9));
}

StoryboardLayout storyboard_layout(int tiles, double interval_seconds, int width, int height) {
  StoryboardLayout layout;
  layout.interval_seconds = interval_seconds;
  if (tiles <= 0 || width <= 0 || height <= 0) return layout;
  layout.tile_width = kStoryboardTileWidth;
  layout.tile_height = even(static_cast<double>(kStoryboardTileWidth) * height / width);
  layout.columns = std::min(tiles, kStoryboardMaxColumns);
  layout.rows = (tiles + layout.columns - 1) / layout.columns;
  return layout;
}

std::string vtt_timestamp(double seconds) {
  const auto ms = static_cast<std::int64_t>(std::llround(std::max(0.0, seconds) * 1000.0));
  return fmt::format("{:02}:{:02}:{:02}.{:03}", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

std::string storyboard_vtt(const StoryboardLayout& layout, int tiles, double duration_seconds,
                           const std::string& sprite_name) {
  std::string out = "WEBVTT\n";
  for (int i = 0; i < tiles && layout.columns > 0; ++i) {
    const double start = i * layout.interval_seconds;
    double end = (i + 1) * layout.interval_seconds;
    if (duration_seconds > start) end = std::min(end, duration_seconds);
    const int x = (i % layout.columns) * layout.tile_width;
    const int y = (i / layout.columns) * layout.tile_height;
    out += fmt::format("\n{} --> {}\n{}#xywh={},{},{},{}\n", vtt_timestamp(start), vtt_timestamp(end), sprite_name, x,
                       y, layout.tile_width, layout.tile_height);
  }
  return out;
}

PictureSize poster_size(int width, int height) {
  if (width <= 0 || height <= 0) return {};
  if (width <= kPosterMaxWidth) return {even(width), even(height)};
  return {kPosterMaxWidth, even(static_cast<double>(height) * kPosterMaxWidth / width)};
}

std::vector<std::uint8_t> encode_jpeg(const AVFrame& picture) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  CodecContextPtr ctx = make_codec_context(codec, "encoder mjpeg");
  ctx->width = picture.width;
  ctx->height = picture.height;
  ctx->pix_fmt = AV_PIX_FMT_YUVJ420P;
  ctx->color_range = AVCOL_RANGE_JPEG;
  ctx->time_base = AVRational{1, 25};
  ctx->flags |= AV_CODEC_FLAG_QSCALE;
  ctx->global_quality = FF_QP2LAMBDA * 3;
  check(avcodec_open2(ctx.get(), codec, nullptr), "open encoder mjpeg");
  FramePtr frame = ref_frame(&picture);
  frame->pts = 0;
  frame->quality = ctx->global_quality;
  frame->pict_type = AV_PICTURE_TYPE_NONE;
  check(avcodec_send_frame(ctx.get(), frame.get()), "encode mjpeg");
  check(avcodec_send_frame(ctx.get(), nullptr), "encode mjpeg flush");
  AvPacketPtr packet = make_packet();
  std::vector<std::uint8_t> out;
  for (;;) {
    const int got = avcodec_receive_packet(ctx.get(), packet.get());
    if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) break;
    check(got, "encode mjpeg");
    out.insert(out.end(), packet->data, packet->data + packet->size);
    av_packet_unref(packet.get());
  }
  if (out.empty()) throw TranscodeError("transcode encode mjpeg: no picture");
  return out;
}

Thumbnailer::Thumbnailer(double duration_seconds, PictureSize poster)
    : duration_(duration_seconds > 0 ? duration_seconds : 0),
      poster_size_(poster),
      interval_(storyboard_interval(duration_)),
      poster_at_(duration_ > 0 ? duration_ * 0.1 : 1.0),
      poster_until_(duration_ > 0 ? std::max(duration_ * 0.3, poster_at_ + 10.0) : 11.0) {}

FramePtr PictureScaler::scale(const AVFrame& frame, int width, int height) {
  const int key[5] = {frame.width, frame.height, frame.format, width, height};
  if (!sws_ || !std::equal(std::begin(key), std::end(key), std::begin(key_))) {
    sws_.reset(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format), width, height,
                              AV_PIX_FMT_YUVJ420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws_) throw TranscodeError("transcode thumbnails: cannot scale this picture format");
    std::copy(std::begin(key), std::end(key), std::begin(key_));
  }
  FramePtr out = make_frame();
  out->format = AV_PIX_FMT_YUVJ420P;
  out->width = width;
  out->height = height;
  check(av_frame_get_buffer(out.get(), 0), "thumbnails: frame buffer");
  sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, out->data, out->linesize);
  return out;
}

void Thumbnailer::offer(const AVFrame& frame, double seconds) {
  if (frame.width <= 0 || frame.height <= 0) return;
  if (tile_.width == 0) {
    const auto layout = storyboard_layout(1, interval_, frame.width, frame.height);
    tile_ = {layout.tile_width, layout.tile_height};
  }
  // Tiles: the first frame at or after each multiple of the interval.
  if (seconds >= next_tile_ && static_cast<int>(tiles_.size()) < kStoryboardMaxTiles) {
    tiles_.push_back(scaler_.scale(frame, tile_.width, tile_.height));
    next_tile_ = static_cast<double>(tiles_.size()) * interval_;
  }
  // Poster: the first frame as a fallback, then the first bright frame from ~10 %.
  if (poster_done_) return;
  if (poster_size_.width <= 0) poster_size_ = poster_size(frame.width, frame.height);
  if (poster_ && seconds < poster_at_) return;
  FramePtr candidate = scaler_.scale(frame, poster_size_.width, poster_size_.height);
  const double luma = mean_luma(*candidate);
  if (!poster_ || luma > poster_luma_ || (seconds >= poster_at_ && luma >= kDarkLuma)) {
    poster_ = std::move(candidate);
    poster_luma_ = luma;
  }
  if (seconds < poster_at_) return;
  if (luma >= kDarkLuma || seconds >= poster_until_) poster_done_ = true;
  poster_at_ = seconds + kPosterRetrySeconds;
}

void Thumbnailer::write(const std::filesystem::path& dir, double duration_seconds) {
  if (!poster_) return;
  write_output_file(dir / "poster.jpg", encode_jpeg(*poster_));
  write_storyboard(dir, tiles_, interval_, duration_seconds);
}

void write_storyboard(const std::filesystem::path& dir, const std::vector<FramePtr>& tiles, double interval_seconds,
                      double duration_seconds) {
  const int count = static_cast<int>(tiles.size());
  if (count == 0) return;
  StoryboardLayout exact = storyboard_layout(count, interval_seconds, tiles[0]->width, tiles[0]->height);
  FramePtr sprite = blank_picture(exact.columns * exact.tile_width, exact.rows * exact.tile_height);
  for (int i = 0; i < count; ++i) {
    copy_tile(*tiles[i], *sprite, (i % exact.columns) * exact.tile_width, (i / exact.columns) * exact.tile_height);
  }
  write_output_file(dir / "storyboard.jpg", encode_jpeg(*sprite));
  write_output_text(dir / "storyboard.vtt", storyboard_vtt(exact, count, duration_seconds));
}

}  // namespace tidecast::transcode

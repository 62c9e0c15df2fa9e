#include "vod/probe.hpp"

#include <fmt/format.h>

#include <cmath>

#include "transcode/av_util.hpp"

namespace tidecast::vod {

namespace {

using transcode::AvPacketPtr;
using transcode::CodecContextPtr;
using transcode::FormatInputPtr;
using transcode::FramePtr;
using Clock = std::chrono::steady_clock;

constexpr int kMaxPacketsForFirstFrame = 600;

int interrupt_after_deadline(void* opaque) {
  return Clock::now() > *static_cast<Clock::time_point*>(opaque) ? 1 : 0;
}

bool is_candidate(const AVStream* stream, AVMediaType type) {
  return stream->codecpar->codec_type == type && (stream->disposition & AV_DISPOSITION_ATTACHED_PIC) == 0;
}

// The stream to use for a type: the default-flagged one, else the first.
int pick_stream(const AVFormatContext* format, AVMediaType type) {
  int first = -1;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* stream = format->streams[i];
    if (!is_candidate(stream, type)) continue;
    if (stream->disposition & AV_DISPOSITION_DEFAULT) return static_cast<int>(i);
    if (first < 0) first = static_cast<int>(i);
  }
  return first;
}

double seconds_of(std::int64_t ts, AVRational time_base) {
  return static_cast<double>(ts) * av_q2d(time_base);
}

// Feeds packets of one stream to its decoder until a frame comes out.
class FirstFrame {
 public:
  explicit FirstFrame(const AVStream* stream) {
    const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
    if (!codec) return;
    context_.reset(avcodec_alloc_context3(codec));
    if (!context_ || avcodec_parameters_to_context(context_.get(), stream->codecpar) < 0) return;
    context_->thread_count = 1;
    if (avcodec_open2(context_.get(), codec, nullptr) < 0) return;
    frame_ = transcode::make_frame();
    usable_ = true;
  }
  bool usable() const { return usable_; }
  bool decoded() const { return decoded_; }
  void push(const AVPacket* packet) {
    if (!usable_ || decoded_ || sent_ >= kMaxPacketsForFirstFrame) return;
    ++sent_;
    if (avcodec_send_packet(context_.get(), packet) < 0 && packet) return;
    if (avcodec_receive_frame(context_.get(), frame_.get()) == 0) decoded_ = true;
  }

 private:
  CodecContextPtr context_;
  FramePtr frame_;
  bool usable_ = false;
  bool decoded_ = false;
  int sent_ = 0;
};

}  // namespace

std::string format_clock(double seconds) {
  const auto total = static_cast<long long>(std::max(0.0, std::floor(seconds)));
  return fmt::format("{:02}:{:02}:{:02}", total / 3600, (total / 60) % 60, total % 60);
}

ProbeResult probe_media(const std::filesystem::path& file, const ProbeLimits& limits) {
  ProbeResult result;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    result.error = "the uploaded file is missing";
    return result;
  }
  if (size == 0) {
    result.error = "empty file (0 bytes)";
    return result;
  }

  Clock::time_point deadline = Clock::now() + limits.time_limit;
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) throw std::bad_alloc();
  raw->interrupt_callback.callback = interrupt_after_deadline;
  raw->interrupt_callback.opaque = &deadline;
  if (avformat_open_input(&raw, file.c_str(), nullptr, nullptr) < 0) {  // frees raw on failure
    result.error = Clock::now() > deadline ? "probe timed out" : "not a media file";
    return result;
  }
  FormatInputPtr format(raw);
  if (format->nb_streams > limits.max_streams) {
    result.error = fmt::format("too many streams ({}; at most {})", format->nb_streams, limits.max_streams);
    return result;
  }
  if (avformat_find_stream_info(format.get(), nullptr) < 0) {
    result.error = "not a media file (no readable streams)";
    return result;
  }

  const int video = pick_stream(format.get(), AVMEDIA_TYPE_VIDEO);
  const int audio = pick_stream(format.get(), AVMEDIA_TYPE_AUDIO);
  if (video < 0 && audio < 0) {
    result.error = "no video or audio stream";
    return result;
  }
  auto decodable = [&](int index) {
    if (index < 0) return false;
    const AVCodecParameters* par = format->streams[index]->codecpar;
    if (!avcodec_find_decoder(par->codec_id)) return false;
    return par->codec_type != AVMEDIA_TYPE_VIDEO || (par->width > 0 && par->height > 0);
  };
  const bool video_ok = decodable(video);
  const bool audio_ok = decodable(audio);
  if (!video_ok && !audio_ok) {
    const int index = video >= 0 ? video : audio;
    result.error = fmt::format("no decodable video or audio stream ({} is not supported)",
                               avcodec_get_name(format->streams[index]->codecpar->codec_id));
    return result;
  }
  if (video_ok) {
    const AVStream* stream = format->streams[video];
    result.has_video = true;
    result.width = stream->codecpar->width;
    result.height = stream->codecpar->height;
    result.video_codec = avcodec_get_name(stream->codecpar->codec_id);
    const AVRational rate = stream->avg_frame_rate.num > 0 ? stream->avg_frame_rate : stream->r_frame_rate;
    if (rate.num > 0 && rate.den > 0) result.frame_rate = av_q2d(rate);
    if (result.width > limits.max_width || result.height > limits.max_height) {
      result.error = fmt::format("video too large ({}x{}; at most {}x{})", result.width, result.height,
                                 limits.max_width, limits.max_height);
      return result;
    }
  }
  if (audio_ok) {
    result.has_audio = true;
    result.audio_codec = avcodec_get_name(format->streams[audio]->codecpar->codec_id);
  }
  const bool declared = format->duration != AV_NOPTS_VALUE && format->duration > 0;
  const double declared_seconds = declared ? static_cast<double>(format->duration) / AV_TIME_BASE : 0.0;
  if (declared_seconds > limits.max_duration_seconds) {
    result.error = fmt::format("duration too long ({}; at most {})", format_clock(declared_seconds),
                               format_clock(limits.max_duration_seconds));
    return result;
  }

  // Read every packet (no decoding beyond the first frame): a file cut short
  // shows as a read error or as data ending well before its declared end.
  const int primary = video_ok ? video : audio;
  FirstFrame first(format->streams[primary]);
  const double start =
      format->start_time != AV_NOPTS_VALUE ? static_cast<double>(format->start_time) / AV_TIME_BASE : 0.0;
  double reached = 0;
  int read_error = 0;
  AvPacketPtr packet = transcode::make_packet();
  for (;;) {
    const int rc = av_read_frame(format.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) {
      read_error = rc;
      break;
    }
    const int index = packet->stream_index;
    if (index == video || index == audio) {
      const AVStream* stream = format->streams[index];
      const std::int64_t ts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
      if (ts != AV_NOPTS_VALUE) {
        const double end = seconds_of(ts + std::max<std::int64_t>(packet->duration, 0), stream->time_base) - start;
        reached = std::max(reached, end);
      }
      if (index == primary) first.push(packet.get());
    }
    av_packet_unref(packet.get());
  }
  if (Clock::now() > deadline) {
    result.error = "probe timed out";
    return result;
  }
  first.push(nullptr);  // drain the decoder
  if (!first.decoded()) {
    result.error = reached > 0 || read_error == 0 ? "no decodable video or audio (the first frames do not decode)"
                                                  : "not a media file";
    return result;
  }
  // The data should reach the declared end of the streams it has (not of
  // other tracks, such as data or subtitles).
  double expected = 0;
  for (const int index : {video, audio}) {
    if (index < 0) continue;
    const AVStream* stream = format->streams[index];
    if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0) {
      expected = std::max(expected, seconds_of(stream->duration, stream->time_base));
    }
  }
  if (expected <= 0) expected = declared_seconds;
  const bool reliable = format->duration_estimation_method != AVFMT_DURATION_FROM_BITRATE;
  const double tolerance = std::max(0.5, expected * 0.01);
  if (read_error != 0 || (expected > 0 && reliable && reached < expected - tolerance)) {
    result.error = declared
                       ? fmt::format("truncated at {} (of {})", format_clock(reached), format_clock(declared_seconds))
                       : fmt::format("truncated at {}", format_clock(reached));
    return result;
  }
  result.duration_seconds = declared ? declared_seconds : reached;
  return result;
}

}  // namespace tidecast::vod

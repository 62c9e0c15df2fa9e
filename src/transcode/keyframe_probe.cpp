#include "transcode/keyframe_probe.hpp"

#include <algorithm>

extern "C" {
#include <libavformat/avformat.h>
}

#include "transcode/av_util.hpp"

namespace tidecast::transcode {

std::optional<double> longest_keyframe_interval(const std::filesystem::path& path, int stream_index,
                                                double media_seconds) {
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, path.c_str(), nullptr, nullptr) < 0) return std::nullopt;
  FormatInputPtr format(raw);
  if (stream_index < 0 || static_cast<unsigned>(stream_index) >= format->nb_streams) return std::nullopt;
  // Only the video stream's packets are of interest: the demuxer skips the rest cheaply.
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (static_cast<int>(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVRational time_base = format->streams[stream_index]->time_base;
  AvPacketPtr packet = make_packet();
  std::optional<std::int64_t> first_pts, last_key;
  double longest = 0;
  int keyframes = 0;
  constexpr int kMaxPackets = 20000;  // a bound for files whose timestamps never advance
  for (int read = 0; read < kMaxPackets && av_read_frame(format.get(), packet.get()) >= 0; ++read) {
    const bool ours = packet->stream_index == stream_index;
    const std::int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
    const bool key = (packet->flags & AV_PKT_FLAG_KEY) != 0;
    av_packet_unref(packet.get());
    if (!ours || pts == AV_NOPTS_VALUE) continue;
    if (!first_pts) first_pts = pts;
    const double at = av_q2d(time_base) * static_cast<double>(pts - *first_pts);
    if (key) {
      if (last_key) longest = std::max(longest, av_q2d(time_base) * static_cast<double>(pts - *last_key));
      last_key = pts;
      ++keyframes;
    } else if (last_key) {
      // A GOP still open at the window's end counts for what it has so far.
      longest = std::max(longest, av_q2d(time_base) * static_cast<double>(pts - *last_key));
    }
    if (at > media_seconds) break;
  }
  if (keyframes == 0) return std::nullopt;
  return longest;
}

}  // namespace tidecast::transcode

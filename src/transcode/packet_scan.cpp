#include "transcode/packet_scan.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <vector>

extern "C" {
#include <libavformat/avformat.h>
}

#include "transcode/av_util.hpp"
#include "transcode/frame_prep.hpp"

namespace tidecast::transcode {

namespace {

// H.264 reorders at most 16 frames (max_num_reorder_frames): a window one
// longer always holds the next frame in presentation order.
constexpr std::size_t kReorderWindow = 17;

// Presentation timestamps back in order, fed to the conversion's own CfrMapper.
class TimingCheck {
 public:
  TimingCheck(AVRational rate, std::uint32_t timescale) : cfr_(rate, timescale) {}

  // The first keyframe is the conversion's first frame (its origin); frames
  // presented before it count as the conversion counts them (jumps).
  void push(std::int64_t pts, bool first) {
    if (first) {
      cfr_.push(pts);
      return;
    }
    window_.push(pts);
    if (window_.size() > kReorderWindow) pop();
  }
  void finish() {
    while (!window_.empty()) pop();
  }
  const CfrMapper& cfr() const { return cfr_; }

 private:
  void pop() {
    cfr_.push(window_.top());
    window_.pop();
  }

  CfrMapper cfr_;
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> window_;
};

}  // namespace

std::uint32_t video_timescale(AVRational time_base) {
  return time_base.num == 1 && time_base.den > 0 ? static_cast<std::uint32_t>(time_base.den) : 90000u;
}

PacketScan scan_video_packets(const std::filesystem::path& path, int stream_index, AVRational rate,
                              const std::atomic<bool>* cancel) {
  PacketScan scan;
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, path.c_str(), nullptr, nullptr) < 0) return scan;
  FormatInputPtr format(raw);
  if (stream_index < 0 || static_cast<unsigned>(stream_index) >= format->nb_streams) return scan;
  scan.readable = true;
  // Only the video stream's packets are of interest: the demuxer skips the rest cheaply.
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (static_cast<int>(i) != stream_index) format->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVRational time_base = format->streams[stream_index]->time_base;
  const std::uint32_t timescale = video_timescale(time_base);
  // The conversion's ticks (vod_transcode.cpp, video_ticks).
  auto ticks = [&](std::int64_t ts) {
    return time_base.num == 1 ? ts : av_rescale_q(ts, time_base, AVRational{1, static_cast<int>(timescale)});
  };
  TimingCheck timing(rate, timescale);
  AvPacketPtr packet = make_packet();
  std::int64_t last_dts = AV_NOPTS_VALUE;
  std::optional<std::int64_t> last_key;
  std::int64_t longest = 0;
  while (av_read_frame(format.get(), packet.get()) >= 0) {
    if (cancel && cancel->load()) {
      scan.cancelled = true;
      return scan;
    }
    const bool ours = packet->stream_index == stream_index && packet->size > 0;
    const bool key = (packet->flags & AV_PKT_FLAG_KEY) != 0;
    // Timestamps filled in as the conversion fills them in (on_video_packet).
    std::int64_t dts = packet->dts != AV_NOPTS_VALUE ? packet->dts : packet->pts;
    const std::int64_t raw_pts = packet->pts;
    av_packet_unref(packet.get());
    if (!ours) continue;
    if (dts == AV_NOPTS_VALUE) dts = last_dts == AV_NOPTS_VALUE ? 0 : last_dts + 1;
    last_dts = dts;
    const std::int64_t pts = ticks(raw_pts != AV_NOPTS_VALUE ? raw_pts : dts);
    ++scan.packets;
    if (key) ++scan.keyframes;
    if (last_key) longest = std::max(longest, pts - *last_key);
    // Frames before the first keyframe are skipped by the conversion too.
    if (last_key || key) timing.push(pts, !last_key);
    if (key) last_key = pts;
  }
  timing.finish();
  if (scan.keyframes > 0) scan.longest_gop_seconds = static_cast<double>(longest) / timescale;
  const CfrMapper& cfr = timing.cfr();
  scan.dropped = cfr.dropped();
  scan.repeated = cfr.repeated();
  scan.retimed = cfr.retimed();
  scan.jumps = cfr.jumps();
  scan.timing_regular = cfr.regular();
  return scan;
}

}  // namespace tidecast::transcode

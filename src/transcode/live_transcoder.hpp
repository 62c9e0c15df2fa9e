#pragma once
// The adaptive-bitrate ladder for one stream, on the CPU pool.
//
//   push(packet) ─▶ input queue ─▶ decode (once) ─▶ per rung: scale ─▶ x264 ─▶ on_rung_packet
//                  (media seconds)  one task at a    frame queue (bounded), one task
//                                   time             at a time per rung, rungs in parallel
//
// Aligned IDRs. Rung encoders never choose keyframes themselves (no periodic
// or scene-cut keyframes). Every rung gets an IDR at the same source frame:
// the first frame, then every frame whose source packet is a keyframe and
// that comes at least `segment_seconds` (less half a frame) after the last
// forced one — the rule the package::Segmenter uses to cut the passthrough,
// so segment n of every rung and of the passthrough starts at the same
// presentation time. If the source has no keyframe for the segmenter's
// longest segment (max(10 s, 3 x segment_seconds)) an IDR is forced anyway.
//
// Timestamps. Rung packets carry the source's timescale, and each frame keeps
// its source PTS exactly. Rung DTS are the source PTS in presentation order
// minus the source's keyframe composition offset (PTS - DTS of its first
// keyframe), so a rung IDR has the same DTS and PTS as the source keyframe
// and every rung starts its timeline at the same point. x264 itself sees a
// clean monotonic clock (source steps clamped to 1 tick .. 0.5 s), so source
// timestamp jumps or wraps reach the output unchanged, for the segmenter to
// handle like the passthrough's.
//
// Overload. The input queue is measured in media seconds. Above
// shed_queue_seconds the most expensive active rung is shed: at its next
// aligned IDR it stops being fed, its encoder is flushed (so its last segment
// is complete) and on_rung_state(rung, false) follows its last packet. One
// rung at a time, at least 2 media seconds apart. After the queue has stayed
// under 0.5 s for restore_after_seconds of media, the most recently shed rung
// restarts at the next aligned IDR (on_rung_state(rung, true) before its first
// packet); a rung shed again within 60 s of coming back waits twice as long
// next time (up to 32x). Above twice the shed bound whole GOPs are dropped
// from the input queue, so memory stays bounded. File mode turns this off
// (allow_shedding = false) and paces the producer with wait_for_queue_below().
//
// Bad input. A packet the decoder rejects is counted and logged (once per
// stream, then every 100th), and decoding resumes at the next keyframe.
// Source size changes, timestamp jumps and frames the decoder flags corrupt
// are counted and logged the same way.
// Source resolution changes are scaled into the planned rung sizes. When the
// source frame rate is unknown (no VUI timing, no metadata) the first 8
// frames estimate it, so rung infos carry a real rate (x264's own VUI states
// its time base, e.g. 1000 fps for millisecond timestamps).
//
// Threading. push()/flush() from one strand or thread at a time; stats() from
// anywhere. Callbacks run on pool threads: per rung one at a time, in DTS
// order; different rungs in parallel. The destructor stops further callbacks
// (waiting for a running one), so do not destroy the transcoder from inside
// one of its callbacks.
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "media/packet.hpp"
#include "transcode/ladder.hpp"
#include "transcode/video_codec.hpp"

namespace tidecast::transcode {

struct LadderCallbacks {
  // Before a rung's first packet: its video track (avcC from x264's real SPS).
  std::function<void(std::size_t rung, const media::StreamInfo& info)> on_rung_info;
  std::function<void(std::size_t rung, media::PacketPtr packet)> on_rung_packet;
  // active=false: shed (after its last packet); true: restored (before its next one).
  std::function<void(std::size_t rung, bool active)> on_rung_state;
  // Every decoded source frame, on the decode task (keep it short: e.g. live
  // thumbnails take one now and then and do their work elsewhere).
  std::function<void(const SharedFrame& frame)> on_source_frame;
};

struct LadderOptions {
  std::string name;             // stream name for logs
  core::Logger* log = nullptr;  // optional
  std::size_t cpu_threads = 2;  // pool size, for splitting x264 threads between rungs
  bool allow_shedding = true;   // false: file mode (never shed or drop)
  int decoder_threads = 1;      // libavcodec frame threads for the source decoder (0 = auto)
  // x264 threads per rung: -1 = the plan's split of cpu_threads (live: the pool
  // is not oversubscribed); 0 = x264's own choice (1.5 x cores: file mode,
  // where finishing sooner matters more than sharing the CPU).
  int x264_threads = -1;
  std::size_t rung_queue_frames = 8;  // decoded frames waiting per rung before decoding pauses
  // true: IDRs go exactly where push(packet, true) marked a segment start (the
  // caller's segmenter cut the passthrough there), plus the first frame; the
  // built-in rule above is not used. Live uses this, so a rung's keyframes are
  // the passthrough's segment boundaries by construction, after GOP drops,
  // decode errors and timestamp jumps too.
  bool caller_cuts = false;
  // Every rung encodes without look-ahead (RungPlan::low_latency): a
  // low-latency channel's parts must not wait for the encoder.
  bool low_latency = false;
};

struct RungStats {
  std::string name;
  int width = 0;
  int height = 0;
  bool active = true;
  std::uint64_t shed_count = 0;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  double fps = 0;            // frames encoded per wall second, last few seconds
  double speed = 0;          // media seconds encoded per wall second, last few seconds
  double queue_seconds = 0;  // newest input minus the rung's last encoded frame, media seconds
};

struct LadderStats {
  double input_queue_seconds = 0;
  std::uint64_t packets = 0;
  std::uint64_t decoded_frames = 0;
  std::uint64_t decode_errors = 0;
  std::uint64_t dropped_packets = 0;  // whole GOPs dropped on overflow
  std::uint64_t skipped_packets = 0;  // waiting for a keyframe (start, after an error)
  std::uint64_t size_changes = 0;     // decoded source size changed (scaled into the planned rungs)
  std::uint64_t timestamp_jumps = 0;  // source PTS step > 5 s forward or > 1 s back
  std::uint64_t corrupt_frames = 0;   // frames the decoder flagged corrupt (concealed)
  bool failed = false;                // stopped by an internal error (logged); no more output
  std::vector<RungStats> rungs;
};

class LadderTranscoder {
 public:
  using Executor = boost::asio::thread_pool::executor_type;

  // Live: the hub's stream info (video track required; h264, hevc or av1).
  // Packet timestamps are in `timescale` ticks (RTMP: 1000).
  LadderTranscoder(const media::StreamInfo& source, std::uint32_t timescale, const LadderConfig& config,
                   double segment_seconds, Executor executor, LadderCallbacks callbacks, LadderOptions options = {});
  // Any codec libavcodec decodes (file mode).
  LadderTranscoder(const VideoSourceSpec& source, const LadderConfig& config, double segment_seconds, Executor executor,
                   LadderCallbacks callbacks, LadderOptions options = {});
  ~LadderTranscoder();
  LadderTranscoder(const LadderTranscoder&) = delete;
  LadderTranscoder& operator=(const LadderTranscoder&) = delete;

  // The rungs being built, top first (may be empty: nothing fits the source).
  const std::vector<RungPlan>& rungs() const;

  // Video packets of the source (others are ignored). Never blocks.
  // `segment_start`: the passthrough's segmenter opened a segment at this
  // packet (used with LadderOptions::caller_cuts).
  void push(media::PacketPtr packet, bool segment_start = false);
  // End of input: decodes and encodes everything queued, flushes every rung,
  // then calls `done` (on a pool thread). No push() after this.
  void flush(std::function<void()> done);
  // Blocks until the input queue holds less than `seconds` of media. For a
  // producer thread outside the pool (file mode) only.
  void wait_for_queue_below(double seconds);

  LadderStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tidecast::transcode

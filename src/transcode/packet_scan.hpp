#pragma once
// One read of an upload's video packets before the conversion starts (demux
// only, no decoding), answering what otherwise is only known at the end:
//   - how far apart the keyframes are (a passthrough v0 can only be cut at
//     the source's keyframes: a 10-s GOP makes 10-s segments, and a phone
//     starting on it waits for a multi-megabyte first segment);
//   - whether the timing is regular enough to keep v0: the presentation
//     timestamps go through the very CfrMapper the conversion maps decoded
//     frames with (frame_prep.hpp), so a file that would drop, repeat or
//     retime a frame there is known before anything is encoded.
// Packets come in decode order: a small window (the most frames H.264 may
// reorder) puts their timestamps back in presentation order. Memory stays
// bounded whatever the file's length.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>

extern "C" {
#include <libavutil/rational.h>
}

namespace tidecast::transcode {

struct PacketScan {
  bool readable = false;  // the file opened and the stream exists
  bool cancelled = false;
  std::uint64_t packets = 0;
  std::uint64_t keyframes = 0;
  // The longest distance between consecutive keyframes, the last GOP (to the
  // last packet) included; nullopt without any keyframe.
  std::optional<double> longest_gop_seconds;
  // The CfrMapper's counts over the packets from the first keyframe on.
  std::uint64_t dropped = 0;
  std::uint64_t repeated = 0;
  std::uint64_t retimed = 0;
  std::uint64_t jumps = 0;
  bool timing_regular = false;  // CfrMapper::regular(), the rule keep_or_drop_v0 (vod_transcode.cpp) applies at the end

  bool regular() const { return keyframes > 0 && timing_regular; }
};

// The ticks an upload's video is timed in: the stream's own when its time
// base is 1/N, else 90 kHz.
std::uint32_t video_timescale(AVRational time_base);

// Reads every packet of stream `stream_index` of `path` (other streams are
// discarded by the demuxer). Timestamps are mapped to video_timescale ticks
// as the conversion maps them and fed to a CfrMapper at `rate`. Stops early,
// with `cancelled` set, when `cancel` becomes true.
PacketScan scan_video_packets(const std::filesystem::path& path, int stream_index, AVRational rate,
                              const std::atomic<bool>* cancel = nullptr);

}  // namespace tidecast::transcode

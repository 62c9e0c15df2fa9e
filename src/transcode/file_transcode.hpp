#pragma once
// File mode: `tidecast transcode INPUT OUTDIR`. Demuxes a file with
// libavformat and runs the live ladder pipeline (LadderTranscoder) on it as
// fast as the CPU pool allows, then packages everything as CMAF with the same
// package::Segmenter and manifest writers as live:
//
//   OUTDIR/master.m3u8, OUTDIR/manifest.mpd (static),
//   OUTDIR/<track>/media.m3u8, init-0.mp4, 0-<n>.m4s
//   tracks: v0 = the source video (passthrough, H.264 only), v1..vN = rungs,
//           a0 = audio (AAC passed through, anything else encoded to AAC).
//
// Used by the benchmark and, later, by uploads. Errors (unreadable input, no
// video stream, nothing to output, disk errors) throw with context.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "transcode/ladder.hpp"

namespace tidecast::transcode {

struct FileTranscodeOptions {
  LadderConfig ladder;
  double segment_seconds = 2.0;
  std::size_t threads = 0;  // CPU pool size; 0 = hardware threads
  // File mode runs as fast as possible: unless the config fixes x264_threads,
  // x264 and the decoder pick their own thread counts (like the ffmpeg CLI).
  bool codec_auto_threads = true;
  core::Logger* log = nullptr;
};

struct FileTrackSummary {
  std::string id;  // "v0", "v1", "a0"
  std::string name;
  std::string codecs;
  int width = 0;
  int height = 0;
  std::size_t segments = 0;
  std::uint64_t average_bandwidth = 0;
  std::uint64_t peak_bandwidth = 0;
};

struct FileTranscodeSummary {
  std::uint64_t frames = 0;  // decoded source frames
  double media_seconds = 0;  // duration of the output (first video track)
  double wall_seconds = 0;
  double cpu_seconds = 0;  // process CPU time used
  double speed() const { return wall_seconds > 0 ? media_seconds / wall_seconds : 0; }
  std::vector<FileTrackSummary> tracks;
};

FileTranscodeSummary transcode_file(const std::filesystem::path& input, const std::filesystem::path& output_dir,
                                    const FileTranscodeOptions& options);

}  // namespace tidecast::transcode

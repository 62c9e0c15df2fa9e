#pragma once
// Upload conversion: one input file to the ladder as CMAF with static HLS
// and DASH manifests, plus download.mp4, poster.jpg and a storyboard, in one
// decode pass. Unlike file_transcode (the live ladder engine on a file, for
// `tidecast transcode` and its benchmark), this pipeline is built for
// whatever phones and laptops upload:
//
//   demux ─▶ decode ─▶ rotate (display matrix) ─▶ constant frame rate ─▶ rung queues ─▶ scale+x264 ─▶ CMAF
//   (this thread)        thumbnails: a frame now and then          one thread per rung (bounded queue)
//
// - Tracks: v0 = the source (H.264 4:2:0 8-bit, even size, no rotation and a
//   constant frame rate by one read of its packets before the pass,
//   packet_scan.hpp: passed through, otherwise left out), v1..vN = rungs
//   (plan_upload_ladder: portrait sources get portrait rungs; a source smaller
//   than every rung gets one rung at its own size; with v0 no rung as tall as
//   the source is encoded unless transcode.source_height_rung), a0 = the first audio
//   stream marked default (else the first one), AAC passed through or
//   encoded. Audio-only inputs give a0 alone; inputs without audio give video only.
//   a0 rides in v0's segmenter (cut with it); without v0 it has its own, whose
//   timeline starts at the audio's offset to the first video frame (rung
//   time 0). Audio before the first video frame is dropped either way.
// - IDRs: with v0, every rung gets an IDR at the source keyframe that starts
//   each v0 segment (the segmenter's rule), so segments align; without v0,
//   exactly every segment_seconds of output frames.
// - download.mp4: the top video track + a0 remuxed (faststart); audio-only: a0.
// - poster.jpg / storyboard.jpg / storyboard.vtt: see thumbnails.hpp (video only).
// - cancel: checked between packets; TranscodeCancelled is thrown.
// - progress: the decoder's position (media seconds) and decoded frames.
// - code: input_streams.hpp (opening the input, which streams), rung_worker.hpp
//   (a rung's thread and queue), vod_transcode.cpp (the pass itself).
#include <atomic>
#include <cstdint>
#include <filesystem>

#include "core/log.hpp"
#include "transcode/av_util.hpp"
#include "transcode/file_transcode.hpp"
#include "transcode/ladder.hpp"

namespace tidecast::transcode {

class TranscodeCancelled : public TranscodeError {
 public:
  TranscodeCancelled() : TranscodeError("transcode: cancelled") {}
};

struct VodProgress {
  std::atomic<double> media_seconds{0};  // decoder position from the first frame (audio-only: demuxer position)
  std::atomic<std::uint64_t> frames{0};  // decoded video frames
};

struct VodTranscodeOptions {
  LadderConfig ladder;
  double segment_seconds = 2.0;
  std::size_t cpu_threads = 0;     // for splitting fixed x264 threads; 0 = hardware threads
  bool codec_auto_threads = true;  // decoder and x264 pick their thread counts (unless x264_threads is set)
  double duration_hint = 0;        // probed duration (storyboard interval, poster time); 0 = unknown
  core::Logger* log = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  VodProgress* progress = nullptr;
};

struct VodTranscodeSummary : FileTranscodeSummary {
  int rotation = 0;       // clockwise degrees applied
  double frame_rate = 0;  // output (constant)
  std::uint64_t dropped_frames = 0;
  std::uint64_t repeated_frames = 0;
  std::uint64_t retimed_frames = 0;  // shown more than 1/4 frame away from their source time
  bool passthrough = false;          // v0 kept
  std::size_t encoded_rungs = 0;     // rungs encoded (with at least one segment) besides v0
  bool hdr_tonemapped = false;       // PQ/HLG source tonemapped to SDR BT.709
  bool hdr_retagged = false;         // ... or, when tonemapping failed, only retagged
  bool audio_only = false;
};

VodTranscodeSummary transcode_upload(const std::filesystem::path& input, const std::filesystem::path& output_dir,
                                     const VodTranscodeOptions& options);

}  // namespace tidecast::transcode

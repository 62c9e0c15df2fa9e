#pragma once
// Shared by the file modes (file_transcode.cpp: the live ladder on a file;
// vod_transcode.cpp: uploads): writing CMAF tracks into an output directory
// with their manifest descriptions, and the AAC helpers for demuxed audio.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "package/presentation.hpp"
#include "package/segmenter.hpp"
#include "transcode/audio_transcoder.hpp"
#include "transcode/av_util.hpp"
#include "transcode/ladder.hpp"

namespace tidecast::transcode {

// Process CPU time (user + system) in seconds.
double process_cpu_seconds();

// Create/overwrite a file (parent directories created); TranscodeError
// "transcode output: ..." on failure.
void write_output_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
void write_output_text(const std::filesystem::path& path, const std::string& text);

// One output track: its description for the manifests and its totals.
struct TrackOutput {
  package::TrackDescription description;
  std::string name;
  std::uint64_t total_bytes = 0;
  double total_seconds = 0;
};

// Writes the segments of the tracks into dir/<track id>/. Thread-safe for
// different tracks (each track is used by one thread at a time).
class TrackWriter {
 public:
  TrackWriter(std::filesystem::path dir, double segment_seconds, std::int64_t start_ms)
      : dir_(std::move(dir)), segment_seconds_(segment_seconds), start_ms_(start_ms) {}

  // Writes the track's init segment and fills its description (timescale,
  // codecs, size/frame rate or sample rate/channels) from the segmenter.
  void init(TrackOutput& track, const package::Segmenter& segmenter, media::TrackKind kind) const;
  void add(TrackOutput& track, package::SegmentOut& out) const;
  // Routes segments of a shared (video + audio) segmenter to their tracks.
  void add_all(std::vector<package::SegmentOut> segments, TrackOutput* video, TrackOutput* audio) const;

 private:
  std::filesystem::path dir_;
  double segment_seconds_;
  std::int64_t start_ms_;
};

// AudioSpecificConfig from stream parameters, for AAC in ADTS (no extradata).
std::vector<std::uint8_t> asc_from_parameters(const AVCodecParameters* par);
// Raw AAC frame from a packet that may carry an ADTS header.
std::span<const std::uint8_t> strip_adts(std::span<const std::uint8_t> data);
// How a file's audio reaches the output: AAC at a sane bitrate passes
// through (transcoder empty), anything else is encoded to AAC once.
struct AudioPlan {
  std::optional<media::AudioTrackConfig> config;  // empty: no audio stream
  std::unique_ptr<AudioTranscoder> transcoder;
};
AudioPlan plan_audio(const AVStream* audio_stream, const LadderConfig& ladder);
// avg_frame_rate, else r_frame_rate, else 0.
double stream_frame_rate(const AVStream* stream);

}  // namespace tidecast::transcode

#pragma once
// Checks an arrived file with libavformat before it waits in the queue: is it
// media at all, does it have a video or audio stream a decoder can read, does
// its first frame decode, and does the data reach the duration it declares?
// Failures carry a reason for people: "empty file (0 bytes)", "not a media
// file", "no video or audio stream", "truncated at 00:01:12". Hostile files
// are bounded: stream count, dimensions, duration and wall time.
#include <chrono>
#include <filesystem>
#include <string>

namespace tidecast::vod {

struct ProbeLimits {
  unsigned max_streams = 64;
  int max_width = 8192;
  int max_height = 8192;
  double max_duration_seconds = 48 * 3600.0;
  std::chrono::seconds time_limit{300};
};

struct ProbeResult {
  std::string error;  // empty: usable
  bool ok() const { return error.empty(); }
  double duration_seconds = 0;
  bool has_video = false;
  bool has_audio = false;
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  std::string video_codec;
  std::string audio_codec;
};

ProbeResult probe_media(const std::filesystem::path& file, const ProbeLimits& limits = {});

// "01:02:03" (hours always shown, two digits minimum).
std::string format_clock(double seconds);

}  // namespace tidecast::vod

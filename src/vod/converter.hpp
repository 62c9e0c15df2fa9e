#pragma once
// How a job turns an original file into a published output set. The job
// runner only knows this interface; LadderConverter (ladder_converter.hpp)
// runs the transcoder's file mode in-process. A converter writes everything
// into request.output_dir (a temporary directory the runner publishes by
// renaming it), reports progress at least once a second, and throws
// ConversionError with a reason a person can read when it cannot finish.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tidecast::vod {

struct ConversionRequest {
  std::filesystem::path input;
  std::filesystem::path output_dir;  // created by the converter; removed by the runner on failure
  double duration_seconds = 0;       // from the probe; 0 when unknown
  double frame_rate = 0;             // source video frame rate; 0 when unknown or audio-only
};

struct ConversionProgress {
  double media_seconds = 0;  // of the input converted so far
  double percent = 0;
  std::optional<double> fps;  // source frames per second of wall time
  std::optional<double> eta_seconds;
};

// Called at least once a second while converting; returning false asks the
// converter to stop early (the video was deleted meanwhile).
using ProgressCallback = std::function<bool(const ConversionProgress&)>;

struct ConvertedTrack {
  std::string id;    // directory in the output: "v0", "v1", "a0"
  std::string name;  // "source", "720p", "audio"
  std::string kind;  // "video" | "audio"
  std::string codecs;
  int width = 0;
  int height = 0;
  std::uint64_t bandwidth = 0;  // average bits per second
};

struct ConversionResult {
  double duration_seconds = 0;
  int width = 0;  // of the largest video track; 0 for audio-only
  int height = 0;
  std::vector<ConvertedTrack> tracks;
};

class ConversionError : public std::runtime_error {
 public:
  ConversionError(const std::string& reason, bool retryable) : std::runtime_error(reason), retryable_(retryable) {}
  // True for trouble that may pass (disk full, out of memory); false when the
  // input itself cannot be converted.
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

class Converter {
 public:
  virtual ~Converter() = default;
  virtual ConversionResult convert(const ConversionRequest& request, const ProgressCallback& progress) = 0;
};

}  // namespace tidecast::vod

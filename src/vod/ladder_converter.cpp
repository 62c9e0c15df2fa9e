#include "vod/ladder_converter.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "transcode/av_util.hpp"
#include "transcode/file_transcode.hpp"

namespace tidecast::vod {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Media converted so far, judged by finished segments: the slowest video
// track (the rungs trail the passthrough), or the audio when there is no video.
double converted_seconds(const fs::path& dir, double segment_seconds) {
  std::error_code ec;
  std::optional<std::size_t> video;
  std::optional<std::size_t> audio;
  for (const auto& track : fs::directory_iterator(dir, ec)) {
    if (!track.is_directory(ec)) continue;
    std::size_t segments = 0;
    for (const auto& file : fs::directory_iterator(track.path(), ec)) {
      if (file.path().extension() == ".m4s") ++segments;
    }
    const std::string name = track.path().filename().string();
    auto& slot = name.starts_with("v") ? video : audio;
    slot = slot ? std::min(*slot, segments) : segments;
  }
  const std::size_t count = video ? *video : audio.value_or(0);
  return static_cast<double>(count) * segment_seconds;
}

// TranscodeError texts name the input path; people see "the upload" instead.
std::string readable(std::string text, const fs::path& input) {
  const std::string path = input.string();
  for (std::size_t at = text.find(path); !path.empty() && at != std::string::npos; at = text.find(path, at)) {
    text.replace(at, path.size(), "the upload");
  }
  return text;
}

class ProgressMonitor {
 public:
  ProgressMonitor(const ConversionRequest& request, double segment_seconds, const ProgressCallback& callback)
      : thread_([this, &request, segment_seconds, &callback](std::stop_token stop) {
          run(stop, request, segment_seconds, callback);
        }) {}
  ~ProgressMonitor() {
    thread_.request_stop();
    wake_.notify_all();
  }

 private:
  void run(std::stop_token stop, const ConversionRequest& request, double segment_seconds,
           const ProgressCallback& callback) {
    const auto start = Clock::now();
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; })) {
      if (stop.stop_requested()) break;
      ConversionProgress p;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      p.media_seconds = converted_seconds(request.output_dir, segment_seconds);
      if (request.duration_seconds > 0) {
        p.media_seconds = std::min(p.media_seconds, request.duration_seconds);
        p.percent = std::min(99.0, 100.0 * p.media_seconds / request.duration_seconds);
        if (p.media_seconds > 0 && elapsed > 0) {
          p.eta_seconds = (request.duration_seconds - p.media_seconds) * elapsed / p.media_seconds;
        }
      }
      if (request.frame_rate > 0 && elapsed > 0) p.fps = p.media_seconds * request.frame_rate / elapsed;
      if (callback) callback(p);  // a stop request cannot interrupt transcode_file; the runner checks afterwards
    }
  }

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts once the members above exist
};

}  // namespace

ConversionResult LadderConverter::convert(const ConversionRequest& request, const ProgressCallback& progress) {
  transcode::FileTranscodeOptions options;
  options.ladder = options_.ladder;
  options.ladder.enabled = true;  // transcode.enabled is about live streams; uploads always get the ladder
  options.segment_seconds = options_.segment_seconds;
  options.threads = options_.threads;
  options.log = &log_;
  transcode::FileTranscodeSummary summary;
  {
    ProgressMonitor monitor(request, options_.segment_seconds, progress);
    try {
      summary = transcode::transcode_file(request.input, request.output_dir, options);
    } catch (const transcode::TranscodeError& e) {
      // Output trouble (disk full) may pass; trouble with the input will not.
      const std::string what = e.what();
      throw ConversionError(readable(what, request.input), what.starts_with("transcode output"));
    } catch (const std::exception& e) {
      throw ConversionError(readable(e.what(), request.input), true);
    }
  }
  std::error_code ec;
  if (!fs::exists(request.output_dir / "master.m3u8", ec) || !fs::exists(request.output_dir / "manifest.mpd", ec)) {
    throw ConversionError("conversion produced no playlists", true);
  }
  ConversionResult result;
  result.duration_seconds = summary.media_seconds > 0 ? summary.media_seconds : request.duration_seconds;
  for (const auto& track : summary.tracks) {
    ConvertedTrack out;
    out.id = track.id;
    out.name = track.name;
    out.kind = track.id.starts_with("a") ? "audio" : "video";
    out.codecs = track.codecs;
    out.width = track.width;
    out.height = track.height;
    out.bandwidth = track.average_bandwidth;
    if (out.kind == "video" && out.width * out.height > result.width * result.height) {
      result.width = out.width;
      result.height = out.height;
    }
    result.tracks.push_back(std::move(out));
  }
  if (result.tracks.empty()) throw ConversionError("conversion produced no tracks", false);
  return result;
}

}  // namespace tidecast::vod

#include "vod/ladder_converter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "transcode/av_util.hpp"
#include "transcode/vod_transcode.hpp"

namespace tidecast::vod {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// TranscodeError texts name the input path; people see "the upload" instead.
std::string readable(std::string text, const fs::path& input) {
  const std::string path = input.string();
  for (std::size_t at = text.find(path); !path.empty() && at != std::string::npos; at = text.find(path, at)) {
    text.replace(at, path.size(), "the upload");
  }
  return text;
}

enum class StopReason { none, deleted, time_limit };

// Once a second: progress from the decoder's position; stop on deletion or
// when the time limit is reached.
class ProgressMonitor {
 public:
  ProgressMonitor(const ConversionRequest& request, unsigned max_seconds, const ProgressCallback& callback)
      : request_(request),
        max_seconds_(max_seconds),
        callback_(callback),
        thread_([this](std::stop_token stop) { run(stop); }) {}
  ~ProgressMonitor() {
    thread_.request_stop();
    wake_.notify_all();
  }

  transcode::VodProgress& progress() { return progress_; }
  const std::atomic<bool>& cancel() const { return cancel_; }
  StopReason reason() const { return reason_.load(); }

 private:
  void run(std::stop_token stop) {
    const auto start = Clock::now();
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; })) {
      if (stop.stop_requested()) break;
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      if (max_seconds_ > 0 && elapsed >= max_seconds_) stop_with(StopReason::time_limit);
      ConversionProgress p;
      p.media_seconds = progress_.media_seconds.load();
      const auto frames = progress_.frames.load();
      if (request_.duration_seconds > 0) {
        p.media_seconds = std::min(p.media_seconds, request_.duration_seconds);
        p.percent = std::min(99.0, 100.0 * p.media_seconds / request_.duration_seconds);
        if (p.media_seconds > 0 && elapsed > 0) {
          p.eta_seconds = (request_.duration_seconds - p.media_seconds) * elapsed / p.media_seconds;
        }
      }
      if (frames > 0 && elapsed > 0) p.fps = static_cast<double>(frames) / elapsed;
      if (callback_ && !callback_(p)) stop_with(StopReason::deleted);
    }
  }

  void stop_with(StopReason reason) {
    StopReason none = StopReason::none;
    reason_.compare_exchange_strong(none, reason);
    cancel_ = true;
  }

  const ConversionRequest& request_;
  const unsigned max_seconds_;
  const ProgressCallback& callback_;
  transcode::VodProgress progress_;
  std::atomic<bool> cancel_{false};
  std::atomic<StopReason> reason_{StopReason::none};
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts once the members above exist
};

}  // namespace

ConversionResult LadderConverter::convert(const ConversionRequest& request, const ProgressCallback& progress) {
  transcode::VodTranscodeOptions options;
  options.ladder = options_.ladder;
  options.ladder.enabled = true;  // transcode.enabled is about live streams; uploads always get the ladder
  options.segment_seconds = options_.segment_seconds;
  options.cpu_threads = options_.threads;
  options.duration_hint = request.duration_seconds;
  options.log = &log_;
  transcode::VodTranscodeSummary summary;
  {
    ProgressMonitor monitor(request, options_.max_seconds, progress);
    options.cancel = &monitor.cancel();
    options.progress = &monitor.progress();
    try {
      summary = transcode::transcode_upload(request.input, request.output_dir, options);
    } catch (const transcode::TranscodeCancelled&) {
      if (monitor.reason() == StopReason::time_limit) {
        throw ConversionError(fmt::format("conversion exceeded {} s", options_.max_seconds), true);
      }
      throw ConversionError("the video was deleted", false);
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

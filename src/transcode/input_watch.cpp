#include "transcode/input_watch.hpp"

namespace tidecast::transcode {

void InputWatch::note_decode_error(const std::string& error) {
  const std::uint64_t errors = count(decode_errors_);
  if (log_ && worth_logging(errors)) {
    log_->warn("transcode", "decode error stream={} errors={} error=\"{}\" (resuming at the next keyframe)", stream_,
               errors, error);
  }
}

void InputWatch::note_frame(int width, int height, std::int64_t step, bool corrupt) {
  if (width != width_ || height != height_) {
    const std::uint64_t n = count(size_changes_);
    if (log_ && worth_logging(n)) {
      log_->warn("transcode",
                 "source size changed stream={} from={}x{} to={}x{} changes={} (scaled into the "
                 "planned rungs)",
                 stream_, width_, height_, width, height, n);
    }
    width_ = width;
    height_ = height;
  }
  const auto second = static_cast<std::int64_t>(timescale_);
  if (step > 5 * second || step < -second) {
    const std::uint64_t n = count(timestamp_jumps_);
    if (log_ && worth_logging(n)) {
      log_->warn("transcode",
                 "source timestamp jump stream={} step_ms={} jumps={} (output keeps the source "
                 "timestamps; the clock for x264 steps over it)",
                 stream_, step * 1000 / second, n);
    }
  }
  if (corrupt) {
    const std::uint64_t n = count(corrupt_frames_);
    if (log_ && worth_logging(n)) {
      log_->warn("transcode", "corrupt source frame stream={} corrupt_frames={} (concealed by the decoder)", stream_,
                 n);
    }
  }
}

}  // namespace tidecast::transcode

#pragma once
// Bad input the live ladder copes with, counted for stats() and logged with
// the stream name: packets the decoder rejects, source size changes,
// timestamp jumps and frames the decoder flags corrupt. A broken source
// repeats the same fault many times a second, so each kind is logged on its
// first event and then every 100th.
//
// The counters are guarded by the mutex given to the constructor (the
// transcoder's state mutex, so stats() reads them with the rest). Each note_*
// takes it only to count, and logs after releasing it. The other state
// (the source size) belongs to the decode stage: one caller at a time.
#include <cstdint>
#include <mutex>
#include <string>

#include "core/log.hpp"

namespace tidecast::transcode {

// First event, then every 100th.
inline bool worth_logging(std::uint64_t count) {
  return count == 1 || count % 100 == 0;
}

class InputWatch {
 public:
  InputWatch(std::mutex& counters_mutex, std::uint32_t timescale, core::Logger* log, std::string stream)
      : mutex_(counters_mutex), timescale_(timescale), log_(log), stream_(std::move(stream)) {}

  // The size of the first frame: later frames are compared with it.
  void start(int width, int height) {
    width_ = width;
    height_ = height;
  }
  // The decoder rejected a packet (decoding resumes at the next keyframe).
  void note_decode_error(const std::string& error);
  // A decoded frame: `step` is its PTS minus the previous frame's, in
  // timescale ticks (0 for the first); `corrupt` if the decoder concealed errors.
  // A jump is a step over 5 s forward or over 1 s back.
  void note_frame(int width, int height, std::int64_t step, bool corrupt);

  // Read under the counters mutex.
  std::uint64_t decode_errors() const { return decode_errors_; }
  std::uint64_t size_changes() const { return size_changes_; }
  std::uint64_t timestamp_jumps() const { return timestamp_jumps_; }
  std::uint64_t corrupt_frames() const { return corrupt_frames_; }

 private:
  std::uint64_t count(std::uint64_t& counter) {
    std::lock_guard lock(mutex_);
    return ++counter;
  }

  std::mutex& mutex_;
  const std::uint32_t timescale_;
  core::Logger* const log_;
  const std::string stream_;
  int width_ = 0;
  int height_ = 0;
  // Under mutex_.
  std::uint64_t decode_errors_ = 0;
  std::uint64_t size_changes_ = 0;
  std::uint64_t timestamp_jumps_ = 0;
  std::uint64_t corrupt_frames_ = 0;
};

}  // namespace tidecast::transcode

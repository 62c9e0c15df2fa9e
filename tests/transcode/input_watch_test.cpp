#include "transcode/input_watch.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "support/captured_log.hpp"

using namespace tidecast::transcode;
using tidecast::test::CapturedLog;

namespace {

struct Watched {
  std::mutex mutex;
  CapturedLog captured;
  InputWatch watch{mutex, 1000, &captured.logger(), "cam"};
  std::string text() const { return captured.text(); }
  std::size_t lines_with(const std::string& needle) const { return captured.count(needle); }
};

}  // namespace

TEST_CASE("bad input is logged on its first event and every 100th") {
  CHECK(worth_logging(1));
  CHECK_FALSE(worth_logging(2));
  CHECK_FALSE(worth_logging(99));
  CHECK(worth_logging(100));
  CHECK_FALSE(worth_logging(101));
  CHECK(worth_logging(300));
}

TEST_CASE("decode errors are counted, every one, and logged rate-limited") {
  Watched w;
  for (int i = 0; i < 250; ++i) w.watch.note_decode_error("Invalid data found when processing input");
  CHECK(w.watch.decode_errors() == 250);
  CHECK(w.lines_with("decode error stream=cam") == 3);  // 1st, 100th, 200th
  CHECK(w.text().find("WARN transcode decode error stream=cam errors=1 error=\"Invalid data found when processing "
                      "input\" (resuming at the next keyframe)\n") != std::string::npos);
  CHECK(w.text().find("errors=200 ") != std::string::npos);
}

TEST_CASE("a source size change is counted against the last size") {
  Watched w;
  w.watch.start(1280, 720);
  w.watch.note_frame(1280, 720, 0, false);
  CHECK(w.watch.size_changes() == 0);
  w.watch.note_frame(640, 360, 40, false);
  w.watch.note_frame(640, 360, 40, false);  // the new size is the normal one now
  CHECK(w.watch.size_changes() == 1);
  w.watch.note_frame(1280, 720, 40, false);
  CHECK(w.watch.size_changes() == 2);
  CHECK(w.text().find("source size changed stream=cam from=1280x720 to=640x360 changes=1 (scaled into the planned "
                      "rungs)\n") != std::string::npos);
  CHECK(w.lines_with("source size changed") == 1);  // the second change is not logged
  CHECK(w.watch.timestamp_jumps() == 0);
  CHECK(w.watch.corrupt_frames() == 0);
}

TEST_CASE("a timestamp jump is a step over 5 s forward or over 1 s back") {
  Watched w;
  w.watch.start(640, 360);
  for (std::int64_t step : {0, 40, 5000, -1000, -40}) w.watch.note_frame(640, 360, step, false);
  CHECK(w.watch.timestamp_jumps() == 0);
  w.watch.note_frame(640, 360, 5001, false);
  w.watch.note_frame(640, 360, -1001, false);
  CHECK(w.watch.timestamp_jumps() == 2);
  CHECK(w.text().find("source timestamp jump stream=cam step_ms=5001 jumps=1 (output keeps the source timestamps; "
                      "the clock for x264 steps over it)\n") != std::string::npos);
  CHECK(w.watch.size_changes() == 0);
}

TEST_CASE("corrupt frames are counted and logged rate-limited") {
  Watched w;
  w.watch.start(640, 360);
  for (int i = 0; i < 100; ++i) w.watch.note_frame(640, 360, 40, i % 2 == 0);
  CHECK(w.watch.corrupt_frames() == 50);
  CHECK(w.lines_with("corrupt source frame stream=cam corrupt_frames=1 (concealed by the decoder)") == 1);
  CHECK(w.lines_with("corrupt source frame") == 1);
}

TEST_CASE("counting takes the given mutex") {
  Watched w;
  std::unique_lock held(w.mutex);
  std::thread noter([&] { w.watch.note_decode_error("x"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(w.watch.decode_errors() == 0);  // waiting for the mutex
  held.unlock();
  noter.join();
  held.lock();
  CHECK(w.watch.decode_errors() == 1);
}

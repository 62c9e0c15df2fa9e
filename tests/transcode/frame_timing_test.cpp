#include "transcode/frame_timing.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <vector>

using namespace tidecast::transcode;

namespace {

constexpr std::uint32_t kMs = 1000;  // RTMP timescale
constexpr std::int64_t kStep = 40;   // 25 fps

// Feeds frames at `pts` (keyframes where `keys` says) and returns the PTS of the forced IDRs.
std::vector<std::int64_t> forced(FrameTiming& timing, const std::vector<std::int64_t>& pts,
                                 const std::set<std::int64_t>& keys) {
  std::vector<std::int64_t> out;
  for (const std::int64_t p : pts) {
    if (!timing.started()) timing.start(p);
    if (timing.next(p, keys.count(p) > 0, false).force_idr) out.push_back(p);
  }
  return out;
}

std::vector<std::int64_t> steady(std::int64_t from, std::int64_t to, std::int64_t step = kStep) {
  std::vector<std::int64_t> pts;
  for (std::int64_t p = from; p < to; p += step) pts.push_back(p);
  return pts;
}

}  // namespace

TEST_CASE("the encoder clock starts at 0 and steps by the source, clamped to 1 tick .. 0.5 s") {
  FrameTiming timing(kMs, 2.0, false);
  CHECK_FALSE(timing.started());
  timing.start(5000);
  CHECK(timing.started());
  CHECK(timing.step_to(5000) == 0);  // the first frame has no step
  CHECK(timing.next(5000, true, false).encoder_pts == 0);
  CHECK(timing.step_to(5033) == 33);
  CHECK(timing.next(5033, false, false).encoder_pts == 33);
  CHECK(timing.next(65033, false, false).encoder_pts == 533);  // a minute's jump: half a second for x264
  CHECK(timing.next(65033, false, false).encoder_pts == 534);  // the same PTS again: still one tick on
  CHECK(timing.next(1000, false, false).encoder_pts == 535);   // backwards (a wrap): one tick on
  CHECK(timing.next(1040, false, false).encoder_pts == 575);
}

TEST_CASE("a frame without a timestamp goes one normal step after the previous one") {
  FrameTiming timing(kMs, 2.0, false);
  timing.start(0);
  CHECK(timing.pts_after_last() == 1);  // no step known yet: one tick
  timing.next(0, true, false);
  timing.next(40, false, false);
  CHECK(timing.pts_after_last() == 80);
  timing.next(9000, false, false);  // a jump is not a normal step
  CHECK(timing.pts_after_last() == 9040);
}

TEST_CASE("built-in rule: IDRs at the first frame and the first source keyframe a segment later") {
  FrameTiming timing(kMs, 2.0, false);
  // Keyframes every second: every second one starts a 2 s segment.
  std::set<std::int64_t> keys;
  for (std::int64_t k = 0; k < 10000; k += 1000) keys.insert(k);
  CHECK(forced(timing, steady(0, 10000), keys) == std::vector<std::int64_t>{0, 2000, 4000, 6000, 8000});
}

TEST_CASE("built-in rule: a keyframe half a frame short of the segment still counts, one earlier does not") {
  // 60 ms frames: half a frame is 30 ms.
  FrameTiming early(kMs, 2.0, false);
  CHECK(forced(early, steady(0, 2400, 60), {0, 1980}) == std::vector<std::int64_t>{0, 1980});
  FrameTiming too_early(kMs, 2.0, false);
  CHECK(forced(too_early, steady(0, 2400, 60), {0, 1920}) == std::vector<std::int64_t>{0});
}

TEST_CASE("built-in rule: without keyframes an IDR comes after the segmenter's longest segment") {
  FrameTiming short_segments(kMs, 2.0, false);  // max(10 s, 3 x 2 s) = 10 s
  CHECK(forced(short_segments, steady(0, 25000), {0}) == std::vector<std::int64_t>{0, 10000, 20000});
  FrameTiming long_segments(kMs, 4.0, false);  // max(10 s, 3 x 4 s) = 12 s
  CHECK(forced(long_segments, steady(0, 25000), {0}) == std::vector<std::int64_t>{0, 12000, 24000});
}

TEST_CASE("built-in rule: a timestamp jump counts as one normal step of segment time") {
  FrameTiming timing(kMs, 2.0, false);
  std::vector<std::int64_t> pts = steady(0, 1000);
  for (std::int64_t p : steady(100000, 103000)) pts.push_back(p);  // +99 s
  // Keyframe right after the jump: only 1 s of segment time has passed. The
  // next one, 1 s later, closes the 2 s segment.
  CHECK(forced(timing, pts, {0, 100000, 101000}) == std::vector<std::int64_t>{0, 101000});
}

TEST_CASE("caller cuts: IDRs exactly at the marked frames and the first, keyframes or not") {
  FrameTiming timing(kMs, 2.0, true);
  std::vector<std::int64_t> idrs;
  timing.start(0);
  for (const std::int64_t p : steady(0, 30000)) {
    const bool key = p % 1000 == 0;
    const bool cut = p == 520 || p == 25000;
    if (timing.next(p, key, cut).force_idr) idrs.push_back(p);
  }
  CHECK(idrs == std::vector<std::int64_t>{0, 520, 25000});  // never 10 s without a cut forced
}

// The pre-scan of an upload's video packets on small files made with the ffmpeg CLI.
#include "transcode/packet_scan.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support/ffmpeg_cli.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast::transcode;
namespace fs = std::filesystem;
namespace test = tidecast::test;

TEST_CASE("packet scan: a constant-rate file is regular and its GOP length is seen") {
  test::TempDir dir;
  const fs::path input = dir.path() / "cfr.mp4";
  REQUIRE(test::run_ffmpeg(fmt::format(
      "-f lavfi -i testsrc2=s=160x120:r=25 -t 4 -c:v libx264 -preset ultrafast -g 25 '{}'", input.string())));
  const PacketScan scan = scan_video_packets(input, 0, AVRational{25, 1});
  CHECK(scan.readable);
  CHECK(scan.packets == 100);
  CHECK(scan.keyframes == 4);
  REQUIRE(scan.longest_gop_seconds);
  CHECK(*scan.longest_gop_seconds == doctest::Approx(1.0).epsilon(0.05));
  CHECK(scan.regular());
}

TEST_CASE("packet scan: B-frames (packets out of presentation order) are still regular") {
  test::TempDir dir;
  const fs::path input = dir.path() / "bframes.mp4";
  REQUIRE(test::run_ffmpeg(
      fmt::format("-f lavfi -i testsrc2=s=160x120:r=30 -t 3 -c:v libx264 -preset veryfast -bf 3 -b_strategy 0 "
                  "-g 30 '{}'",
                  input.string())));
  const PacketScan scan = scan_video_packets(input, 0, AVRational{30, 1});
  CHECK(scan.packets == 90);
  CHECK(scan.regular());
  CHECK(scan.dropped == 0);
}

TEST_CASE("packet scan: variable frame rate and duplicated timestamps are irregular") {
  test::TempDir dir;
  const fs::path input = dir.path() / "vfr.mp4";
  // Every third frame missing: gaps of 1/30 and 2/30 s, mapped onto 20 fps.
  REQUIRE(
      test::run_ffmpeg(fmt::format("-f lavfi -i testsrc2=s=160x120:r=30 -t 3 -vf \"select='mod(n\\,3)'\" -fps_mode vfr "
                                   "-c:v libx264 -preset ultrafast '{}'",
                                   input.string())));
  const PacketScan vfr = scan_video_packets(input, 0, AVRational{20, 1});
  CHECK(vfr.keyframes >= 1);
  CHECK_FALSE(vfr.regular());
  CHECK(vfr.retimed > 0);
  // The same frames at a rate too low for them: frames share slots (dropped).
  const fs::path fast = dir.path() / "fast.mp4";
  REQUIRE(test::run_ffmpeg(
      fmt::format("-f lavfi -i testsrc2=s=160x120:r=50 -t 2 -c:v libx264 -preset ultrafast '{}'", fast.string())));
  const PacketScan slow = scan_video_packets(fast, 0, AVRational{25, 1});
  CHECK(slow.dropped > 0);
  CHECK_FALSE(slow.regular());
}

TEST_CASE("packet scan: a long GOP, the last one still open at the end, and unreadable input") {
  test::TempDir dir;
  const fs::path input = dir.path() / "long-gop.mp4";
  REQUIRE(test::run_ffmpeg(fmt::format(
      "-f lavfi -i testsrc2=s=160x120:r=25 -t 7 -c:v libx264 -preset ultrafast -g 75 '{}'", input.string())));
  const PacketScan scan = scan_video_packets(input, 0, AVRational{25, 1});
  REQUIRE(scan.longest_gop_seconds);
  CHECK(*scan.longest_gop_seconds == doctest::Approx(3.0).epsilon(0.05));
  CHECK(scan.regular());  // long GOPs are a separate question
  // One keyframe then 40 s without another: the whole file is read, not just its start.
  const fs::path one = dir.path() / "one-gop.mp4";
  REQUIRE(test::run_ffmpeg(fmt::format(
      "-f lavfi -i testsrc2=s=64x48:r=25 -t 40 -c:v libx264 -preset ultrafast -g 10000 '{}'", one.string())));
  const PacketScan open = scan_video_packets(one, 0, AVRational{25, 1});
  CHECK(open.keyframes == 1);
  REQUIRE(open.longest_gop_seconds);
  CHECK(*open.longest_gop_seconds > 39.0);
  CHECK_FALSE(scan_video_packets(dir.path() / "missing.mp4", 0, AVRational{25, 1}).readable);
  CHECK_FALSE(scan_video_packets(input, 7, AVRational{25, 1}).readable);
  CHECK_FALSE(scan_video_packets(input, 7, AVRational{25, 1}).longest_gop_seconds);
  std::atomic<bool> cancel{true};
  CHECK(scan_video_packets(input, 0, AVRational{25, 1}, &cancel).cancelled);
}

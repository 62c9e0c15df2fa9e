// LadderConverter: limits and progress around the upload pipeline.
#include "vod/ladder_converter.hpp"

#include <doctest/doctest.h>

#include <mutex>

#include "support/temp_dir.hpp"
#include "vod/media_files.hpp"

using namespace tidecast;
using tidecast::test::TempDir;

namespace {

// A ladder slow enough (x264 placebo, one thread) that converting 8 s takes
// far longer than the 1-2 s these tests let it run.
vod::LadderConverterOptions slow_options(unsigned max_seconds) {
  vod::LadderConverterOptions options;
  options.ladder.rungs.clear();
  TranscodeRung rung;
  rung.name = "240p";
  rung.height = 240;
  rung.video_bitrate_kbps = 300;
  rung.preset = "placebo";
  options.ladder.rungs.push_back(rung);
  options.ladder.passthrough = false;
  options.segment_seconds = 1.0;
  options.threads = 1;
  options.ladder.x264_threads = 1;
  options.max_seconds = max_seconds;
  return options;
}

}  // namespace

TEST_CASE("a conversion over jobs.max_seconds fails with a retryable reason") {
  TempDir dir;
  const auto input = dir.path() / "clip.mp4";
  REQUIRE(test::make_clip(input, 8));
  core::Logger log{core::LogLevel::off};
  vod::LadderConverter converter(log, slow_options(1));
  const vod::ConversionRequest request{input, dir.path() / "out", 8.0, 25.0};
  try {
    converter.convert(request, [](const vod::ConversionProgress&) { return true; });
    FAIL("the conversion should have been stopped");
  } catch (const vod::ConversionError& e) {
    CHECK(std::string(e.what()) == "conversion exceeded 1 s");
    CHECK(e.retryable());
  }
}

TEST_CASE("a deleted video stops its conversion between packets; progress comes from the decoder") {
  TempDir dir;
  const auto input = dir.path() / "clip.mp4";
  REQUIRE(test::make_clip(input, 8));
  core::Logger log{core::LogLevel::off};
  vod::LadderConverter converter(log, slow_options(0));
  const vod::ConversionRequest request{input, dir.path() / "out", 8.0, 25.0};
  std::vector<vod::ConversionProgress> seen;
  try {
    converter.convert(request, [&](const vod::ConversionProgress& p) {
      seen.push_back(p);
      return false;  // deleted: the first report (after ~1 s) stops it
    });
    FAIL("the conversion should have been stopped");
  } catch (const vod::ConversionError& e) {
    CHECK(std::string(e.what()) == "the video was deleted");
    CHECK_FALSE(e.retryable());
  }
  REQUIRE(seen.size() == 1);
  CHECK(seen.back().media_seconds > 0);
  CHECK(seen.back().percent > 0);
  CHECK(seen.back().percent < 100);
  REQUIRE(seen.back().fps.has_value());
  CHECK(*seen.back().fps > 0);
  REQUIRE(seen.back().eta_seconds.has_value());
}

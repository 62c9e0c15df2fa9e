#include "vod/probe.hpp"

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"
#include "transcode/av_util.hpp"
#include "vod/media_files.hpp"

using namespace tidecast;
using tidecast::test::TempDir;

namespace {
// libav would print its own complaints about the broken files below.
const bool quiet_libav = (transcode::set_libav_log_level(core::LogLevel::info), true);
}  // namespace

TEST_CASE("clock format") {
  CHECK(vod::format_clock(0) == "00:00:00");
  CHECK(vod::format_clock(72.9) == "00:01:12");
  CHECK(vod::format_clock(3 * 3600 + 62) == "03:01:02");
}

TEST_CASE("files that are not usable media fail with a reason people can read") {
  TempDir dir;
  test::write_text(dir.path() / "empty.mp4", "");
  CHECK(vod::probe_media(dir.path() / "empty.mp4").error == "empty file (0 bytes)");
  test::write_text(dir.path() / "notes.mp4", "These are my notes, not a video.\n");
  CHECK(vod::probe_media(dir.path() / "notes.mp4").error == "not a media file");
  CHECK(vod::probe_media(dir.path() / "missing.mp4").error == "the uploaded file is missing");
}

TEST_CASE("a good clip passes; a cut-off copy is reported as truncated") {
  TempDir dir;
  const auto clip = dir.path() / "clip.mp4";
  REQUIRE(test::make_clip(clip, 8));
  const auto good = vod::probe_media(clip);
  CHECK(good.ok());
  CHECK(good.has_video);
  CHECK(good.has_audio);
  CHECK(good.width == 320);
  CHECK(good.height == 240);
  CHECK(good.frame_rate == doctest::Approx(25));
  CHECK(good.duration_seconds == doctest::Approx(8).epsilon(0.05));

  const auto cut = dir.path() / "cut.mp4";
  test::cut_copy(clip, cut, 0.5);
  const auto truncated = vod::probe_media(cut);
  CAPTURE(truncated.error);
  CHECK(truncated.error.starts_with("truncated at 00:00:0"));
  CHECK(truncated.error.ends_with("(of 00:00:08)"));
}

TEST_CASE("hostile limits: dimensions and stream counts are bounded") {
  TempDir dir;
  const auto clip = dir.path() / "clip.mp4";
  REQUIRE(test::make_clip(clip, 1, false));
  vod::ProbeLimits tight;
  tight.max_width = 100;
  CHECK(vod::probe_media(clip, tight).error == "video too large (320x240; at most 100x8192)");
  vod::ProbeLimits one_stream;
  one_stream.max_streams = 0;
  CHECK(vod::probe_media(clip, one_stream).error.starts_with("too many streams"));
}

#include "vod/failure_kind.hpp"

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"
#include "transcode/av_util.hpp"
#include "vod/media_files.hpp"
#include "vod/probe.hpp"

using namespace tidecast;
using tidecast::test::TempDir;

namespace {
const bool quiet_libav = (transcode::set_libav_log_level(core::LogLevel::info), true);
}  // namespace

TEST_CASE("the probe's refusals are never retryable: running the job again cannot help") {
  TempDir dir;
  test::write_text(dir.path() / "notes.mp4", "These are my notes, not a video.\n");
  test::write_text(dir.path() / "empty.mp4", "");
  for (const char* name : {"notes.mp4", "empty.mp4", "missing.mp4"}) {
    const std::string reason = vod::probe_media(dir.path() / name).error;
    CAPTURE(reason);
    REQUIRE_FALSE(reason.empty());
    CHECK_FALSE(vod::classify_failure(reason).retryable);
  }
  CHECK(vod::classify_failure(vod::probe_media(dir.path() / "notes.mp4").error).code == "not_media");
  const auto clip = dir.path() / "clip.mp4";
  REQUIRE(test::make_clip(clip, 1, false));
  vod::ProbeLimits tight;
  tight.max_width = 100;
  const auto large = vod::classify_failure(vod::probe_media(clip, tight).error);
  CHECK(large.code == "too_large");
  CHECK_FALSE(large.retryable);
}

TEST_CASE("converter failures: input trouble is permanent, anything else may pass") {
  CHECK_FALSE(vod::classify_failure("no decodable video or audio stream (prores is not supported)").retryable);
  CHECK(vod::classify_failure("no decodable video frame").code == "unsupported");
  CHECK(vod::classify_failure("the video was deleted").code == "deleted");
  const auto disk = vod::classify_failure("transcode output: No space left on device");
  CHECK(disk.retryable);
  CHECK(disk.code == "conversion_error");
  CHECK(vod::classify_failure("conversion exceeded 3600 s").retryable);
  CHECK(vod::classify_failure("").retryable);
}

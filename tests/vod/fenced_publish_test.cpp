#include "vod/fenced_publish.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "catalog/catalog.hpp"
#include "catalog/job_lease_repository.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"
#include "vod/storage_sweep.hpp"

using namespace tidecast;
namespace fs = std::filesystem;

namespace {

vod::ConversionResult sample_result() {
  vod::ConversionResult r;
  r.duration_seconds = 2.5;
  r.width = 640;
  r.height = 360;
  r.tracks.push_back({"v0", "source", "video", "avc1.64001e", 640, 360, 500'000});
  r.tracks.push_back({"a0", "audio", "audio", "mp4a.40.2", 0, 0, 128'000});
  return r;
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

}  // namespace

TEST_CASE("fenced commit: the lease holder publishes one set; a stale token is refused and its files removed") {
  test::TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  catalog::NewVideo row;
  row.title = "clip";
  const auto video = catalog.videos().create(row).id;
  const auto job = catalog.jobs().enqueue(video);
  catalog::JobLeaseRepository leases(catalog.database());
  const fs::path videos_dir = dir.path() / "videos";

  const auto old = leases.claim("r1", 60'000);
  REQUIRE(old);
  write(vod::attempt_dir(videos_dir, job, old->token) / "v0/init.mp4", "old");
  leases.heartbeat(job, old->token, {}, -1);  // r1 stalls past its lease
  leases.reap({3, 0, 0});
  const auto now = leases.claim("r2", 60'000);
  REQUIRE(now);
  write(vod::attempt_dir(videos_dir, job, now->token) / "v0/init.mp4", "new");
  write(vod::attempt_dir(videos_dir, job, now->token) / "master.m3u8", "#EXTM3U");
  write(vod::attempt_dir(videos_dir, job, now->token) / "download.mp4", "mp4");
  write(vod::attempt_dir(videos_dir, job, now->token) / "poster.jpg", "jpg");

  CHECK(vod::commit_attempt(catalog.database(), videos_dir, job, now->token, sample_result()) ==
        vod::CommitOutcome::published);
  CHECK_FALSE(fs::exists(vod::attempt_dir(videos_dir, job, now->token)));
  std::ifstream published(videos_dir / video / "v0/init.mp4");
  std::string text;
  published >> text;
  CHECK(text == "new");
  const auto stored = catalog.videos().find(video);
  CHECK(stored->state == catalog::VideoState::ready);
  CHECK(stored->extras == "poster.jpg,download.mp4");  // linked by nodes without the files
  CHECK(catalog.videos().renditions(video).size() == 2);
  CHECK(catalog.jobs().find(job)->state == catalog::JobState::done);

  // r1 comes back and commits with its old token: refused, its files gone, the set untouched.
  CHECK(vod::commit_attempt(catalog.database(), videos_dir, job, old->token, sample_result()) ==
        vod::CommitOutcome::stale);
  CHECK_FALSE(fs::exists(vod::attempt_dir(videos_dir, job, old->token)));
  CHECK(fs::exists(videos_dir / video / "master.m3u8"));
  CHECK(catalog.videos().renditions(video).size() == 2);
}

TEST_CASE("fenced commit: the sweep removes attempts whose token no longer holds the job") {
  test::TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  catalog::NewVideo row;
  row.title = "clip";
  const auto job = catalog.jobs().enqueue(catalog.videos().create(row).id);
  catalog::JobLeaseRepository leases(catalog.database());
  const fs::path videos_dir = dir.path() / "videos";
  const auto dead = leases.claim("r1", -1);
  REQUIRE(dead);
  write(vod::attempt_dir(videos_dir, job, dead->token) / "a", "x");
  CHECK(vod::sweep_attempts(catalog.database(), videos_dir) == 0);  // expired but not reaped: still its holder's
  leases.reap({3, 0, 0});
  const auto live = leases.claim("r2", 60'000);
  REQUIRE(live);
  write(vod::attempt_dir(videos_dir, job, live->token) / "a", "x");
  CHECK(vod::sweep_attempts(catalog.database(), videos_dir) == 1);
  CHECK_FALSE(fs::exists(vod::attempt_dir(videos_dir, job, dead->token)));
  CHECK(fs::exists(vod::attempt_dir(videos_dir, job, live->token)));
}

TEST_CASE("fenced commit: results travel as JSON; malformed ones are refused") {
  const auto back = vod::result_from_json(vod::result_to_json(sample_result()));
  CHECK(back.tracks.size() == 2);
  CHECK(back.tracks[0].codecs == "avc1.64001e");
  CHECK(back.width == 640);
  CHECK(back.duration_seconds == doctest::Approx(2.5));
  CHECK_THROWS_AS(vod::result_from_json(nlohmann::json::parse(R"({"duration_seconds": 1})")), std::invalid_argument);
  CHECK_THROWS_AS(vod::result_from_json(nlohmann::json::parse(
                      R"({"duration_seconds":1,"width":0,"height":0,"tracks":[{"id":"x","name":"x","kind":"text",)"
                      R"("codecs":"","width":0,"height":0,"bandwidth":0}]})")),
                  std::invalid_argument);
  CHECK(vod::valid_attempt_token("Ab09"));
  CHECK_FALSE(vod::valid_attempt_token("../x"));
  CHECK_FALSE(vod::valid_attempt_token(""));
}

TEST_CASE("storage sweep: files of deleted videos go once old enough; live ones and attempts stay") {
  test::TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  catalog::NewVideo row;
  row.title = "kept";
  const auto kept = catalog.videos().create(row).id;
  write(dir.path() / "videos" / kept / "master.m3u8", "#EXTM3U");
  write(dir.path() / "originals" / kept, "mp4");
  write(dir.path() / "videos" / "gone1" / "master.m3u8", "#EXTM3U");
  write(dir.path() / "originals" / "gone1", "mp4");
  write(dir.path() / "videos" / ".attempt-1-x" / "a", "x");
  // Just written: could be an upload being accepted right now.
  auto count = vod::sweep_orphans(catalog.database(), dir.path());
  CHECK(count.videos + count.originals == 0);
  count = vod::sweep_orphans(catalog.database(), dir.path(), std::chrono::seconds(-60));
  CHECK(count.videos == 1);
  CHECK(count.originals == 1);
  CHECK_FALSE(fs::exists(dir.path() / "videos" / "gone1"));
  CHECK_FALSE(fs::exists(dir.path() / "originals" / "gone1"));
  CHECK(fs::exists(dir.path() / "videos" / kept / "master.m3u8"));
  CHECK(fs::exists(dir.path() / "originals" / kept));
  CHECK(fs::exists(dir.path() / "videos" / ".attempt-1-x"));
}

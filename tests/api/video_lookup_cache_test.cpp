#include "api/video_lookup_cache.hpp"

#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
using tidecast::test::TempDir;
using namespace std::chrono_literals;

namespace {

catalog::NewVideo new_video(catalog::VideoState state = catalog::VideoState::pending) {
  catalog::NewVideo video;
  video.title = "v";
  video.state = state;
  return video;
}

catalog::VideoPatch visibility(std::string value) {
  catalog::VideoPatch patch;
  patch.visibility = std::move(value);
  return patch;
}

struct Fixture {
  TempDir dir;
  catalog::Catalog catalog{(dir.path() / "t.db").string()};
  // Another process or cluster node writing the same catalog: its own
  // connection, and no way to bump this process's counter.
  catalog::Database other_db = catalog::Database::open_location((dir.path() / "t.db").string());
  catalog::VideoRepository other_node{other_db};
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point(100s);
  api::VideoLookupCache cache{catalog.videos(), api::VideoLookupOptions{
                                                    .max_entries = 3,
                                                    .ttl = 1000ms,
                                                    .clock = [this] { return now; },
                                                }};

  std::string ready_video() { return catalog.videos().create(new_video(catalog::VideoState::ready)).id; }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a ready video is served from memory until its TTL ends") {
  const std::string id = ready_video();
  REQUIRE(cache.find(id));
  CHECK(cache.find(id)->visibility == "public");
  CHECK(cache.size() == 1);

  other_node.update(id, visibility("private"));
  now += 500ms;
  CHECK(cache.find(id)->visibility == "public");  // from memory: the other node's change is not seen yet
  now += 501ms;
  CHECK(cache.find(id)->visibility == "private");  // within a second it is

  other_node.remove(id);
  now += 1001ms;
  CHECK_FALSE(cache.find(id));
  CHECK(cache.size() == 0);
}

TEST_CASE_FIXTURE(Fixture, "this node's writes apply at once") {
  const std::string id = ready_video();
  REQUIRE(cache.find(id)->visibility == "public");

  SUBCASE("public to private through the catalog (PATCH)") {
    catalog.videos().update(id, visibility("private"));
    CHECK(cache.find(id)->visibility == "private");
  }
  SUBCASE("ready to failed") {
    catalog.videos().set_state(id, catalog::VideoState::failed, "broken");
    CHECK(cache.find(id)->state == catalog::VideoState::failed);
  }
  SUBCASE("deleted through another connection that shares the counter (VodService)") {
    catalog::Database vod_db = catalog::Database::open_location((dir.path() / "t.db").string());
    catalog::VideoRepository vod_videos(vod_db, &catalog.video_changes());
    CHECK(vod_videos.remove(id));
    CHECK_FALSE(cache.find(id));
  }
}

TEST_CASE_FIXTURE(Fixture, "videos that are not ready, or unknown, are asked for each time") {
  const catalog::Video pending = catalog.videos().create(new_video());
  CHECK(cache.find(pending.id)->state == catalog::VideoState::pending);
  CHECK_FALSE(cache.find("nope"));
  CHECK(cache.size() == 0);
  // Published by a conversion elsewhere: playable on the next request, not a second later.
  other_node.publish(pending.id, {.duration_ms = 1000, .width = 2, .height = 2}, {});
  CHECK(cache.find(pending.id)->state == catalog::VideoState::ready);
  CHECK(cache.size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "the cache holds at most max_entries") {
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(ready_video());
  for (const auto& id : ids) {
    REQUIRE(cache.find(id));
    now += 10ms;
    CHECK(cache.size() <= 3);
  }
  CHECK(cache.size() == 3);
  // The newest stay; everything is still correct when read again.
  for (const auto& id : ids) CHECK(cache.find(id)->id == id);
}

TEST_CASE("every write bumps the generation; without a counter nothing is cached") {
  TempDir dir;
  catalog::Catalog catalog{(dir.path() / "t.db").string()};
  catalog::VideoChanges& changes = catalog.video_changes();
  std::uint64_t last = changes.generation();
  const auto bumped = [&] {
    const bool moved = changes.generation() > last;
    last = changes.generation();
    return moved;
  };
  const catalog::Video video = catalog.videos().create(new_video());
  CHECK(bumped());
  catalog.videos().set_state(video.id, catalog::VideoState::ready);
  CHECK(bumped());
  catalog.videos().update(video.id, visibility("unlisted"));
  CHECK(bumped());
  catalog.videos().set_owner(video.id, std::nullopt);
  CHECK(bumped());
  catalog.videos().find(video.id);
  CHECK_FALSE(bumped());
  catalog.videos().remove(video.id);
  CHECK(bumped());

  catalog::VideoRepository plain(catalog.database());
  const catalog::Video ready = plain.create(new_video(catalog::VideoState::ready));
  api::VideoLookupCache uncached(plain);
  REQUIRE(uncached.find(ready.id));
  CHECK(uncached.size() == 0);
}

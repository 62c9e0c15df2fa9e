#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;
using tidecast::test::testing_postgres;

namespace {
NewVideo new_video(std::string title, VideoOrigin origin = VideoOrigin::upload,
                   VideoState state = VideoState::pending) {
  NewVideo video;
  video.title = std::move(title);
  video.origin = origin;
  video.state = state;
  return video;
}
}  // namespace

TEST_CASE("videos are listed newest first with their state") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const Video first = catalog.videos().create(new_video("first"));
  const Video second = catalog.videos().create(new_video("second", VideoOrigin::live, VideoState::processing));
  CHECK(first.id.size() == 11);
  CHECK(first.id != second.id);
  catalog.videos().set_state(first.id, VideoState::failed, "not a media file");
  catalog.videos().set_media_info(second.id, 12000, 1280, 720);

  const auto list = catalog.videos().list();
  REQUIRE(list.size() == 2);
  CHECK(list[0].title == "second");
  CHECK(list[0].origin == VideoOrigin::live);
  CHECK(list[0].width == 1280);
  CHECK(list[1].state == VideoState::failed);
  CHECK(list[1].failure_reason == "not a media file");
}

TEST_CASE("publishing stores media info and renditions in one go; removing takes them along") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& videos = catalog.videos();
  NewVideo row = new_video("clip");
  row.source_name = "clip.mp4";
  row.source_bytes = 1234;
  row.id = "fixedid0001";
  const Video video = videos.create(row);
  CHECK(video.id == "fixedid0001");
  CHECK(video.source_name == "clip.mp4");
  CHECK(video.source_bytes == 1234);
  const std::vector<Rendition> renditions = {{"v0", "video", "avc1.64001f", 1280, 720, 2500000},
                                             {"a0", "audio", "mp4a.40.2", std::nullopt, std::nullopt, 128000}};
  CHECK(videos.publish(video.id, {10500, 1280, 720}, renditions));
  const auto ready = videos.find(video.id);
  REQUIRE(ready);
  CHECK(ready->state == VideoState::ready);
  CHECK(ready->duration_ms == 10500);
  const auto stored = videos.renditions(video.id);
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].name == "v0");
  CHECK(stored[0].height == 720);
  CHECK(stored[1].kind == "audio");
  CHECK_FALSE(stored[1].width);

  CHECK(videos.remove(video.id));
  CHECK_FALSE(videos.find(video.id));
  CHECK(videos.renditions(video.id).empty());
  CHECK_FALSE(videos.publish(video.id, {1, 2, 3}, renditions));
}

TEST_CASE("view counts are added in one batch and read back with the video") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const Video a = catalog.videos().create(new_video("a"));
  const Video b = catalog.videos().create(new_video("b"));
  CHECK(a.views == 0);
  catalog.videos().add_views({{a.id, 3}, {b.id, 1}, {"no-such-video", 5}});
  catalog.videos().add_views({{a.id, 2}});
  catalog.videos().add_views({});
  CHECK(catalog.videos().find(a.id)->views == 5);
  CHECK(catalog.videos().find(b.id)->views == 1);
  CHECK(catalog.videos().list().front().views >= 1);
}

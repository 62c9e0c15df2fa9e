#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;

TEST_CASE("videos are listed newest first with their state") {
  TempDir dir;
  Catalog catalog(dir.path() / "t.db");
  const Video first = catalog.videos().create({"first", VideoOrigin::upload, std::nullopt, VideoState::pending});
  const Video second = catalog.videos().create({"second", VideoOrigin::live, std::nullopt, VideoState::processing});
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

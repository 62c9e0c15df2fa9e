#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;

TEST_CASE("a channel's profile: empty by default, set at once, bounded") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  catalog.channels().create("studio", "The Studio");
  auto channel = catalog.channels().find_by_name("studio");
  REQUIRE(channel);
  CHECK(channel->description.empty());
  CHECK(channel->next_stream.empty());
  CHECK_FALSE(channel->avatar);

  CHECK(catalog.channels().set_profile(
      "studio", {.title = "Night <b>", .description = "Synths\nand tea", .next_stream = "Fridays 8 pm"}));
  channel = catalog.channels().find_by_name("studio");
  CHECK(channel->title == "Night <b>");
  CHECK(channel->description == "Synths\nand tea");
  CHECK(channel->next_stream == "Fridays 8 pm");
  CHECK(catalog.channels().list().front().next_stream == "Fridays 8 pm");

  CHECK_THROWS_AS(catalog.channels().set_profile(
                      "studio", {.title = "t", .description = std::string(2001, 'x'), .next_stream = ""}),
                  InvalidInput);
  CHECK_THROWS_AS(
      catalog.channels().set_profile("studio", {.title = "t", .description = "", .next_stream = std::string(201, 'x')}),
      InvalidInput);
  CHECK(catalog.channels().find_by_name("studio")->title == "Night <b>");  // unchanged
  CHECK_FALSE(catalog.channels().set_profile("missing", {.title = "", .description = "", .next_stream = ""}));
}

TEST_CASE("setting an avatar answers the previous file so its owner can delete it") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  catalog.channels().create("studio", "");
  bool found = false;
  CHECK_FALSE(catalog.channels().set_avatar("studio", "1-aaa.png", found));
  CHECK(found);
  CHECK(catalog.channels().find_by_name("studio")->avatar == std::optional<std::string>("1-aaa.png"));
  CHECK(catalog.channels().set_avatar("studio", "1-bbb.webp", found) == std::optional<std::string>("1-aaa.png"));
  CHECK(catalog.channels().set_avatar("studio", std::nullopt, found) == std::optional<std::string>("1-bbb.webp"));
  CHECK_FALSE(catalog.channels().find_by_name("studio")->avatar);
  CHECK_FALSE(catalog.channels().set_avatar("missing", "x.png", found));
  CHECK_FALSE(found);
}

TEST_CASE("videos can be listed by channel: its recordings only, newest first") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto studio = catalog.channels().create("studio", "").channel;
  const auto other = catalog.channels().create("other", "").channel;
  auto make = [&](std::string title, std::optional<std::int64_t> channel) {
    NewVideo video;
    video.title = std::move(title);
    video.origin = channel ? VideoOrigin::live : VideoOrigin::upload;
    video.channel_id = channel;
    video.state = VideoState::ready;
    return catalog.videos().create(video);
  };
  make("first", studio.id);
  make("elsewhere", other.id);
  make("upload", std::nullopt);
  make("second", studio.id);

  VideoQuery query;
  query.channel_name = "studio";
  const auto page = catalog.videos().search(query);
  REQUIRE(page.videos.size() == 2);
  CHECK(page.total == 2);
  CHECK(page.videos[0].title == "second");
  CHECK(page.videos[1].title == "first");
  query.channel_name = "nobody";
  CHECK(catalog.videos().search(query).videos.empty());
  query.channel_name.clear();
  CHECK(catalog.videos().search(query).videos.size() == 4);
}

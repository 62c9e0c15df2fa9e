#include "live/thumbnail_store.hpp"

#include <doctest/doctest.h>

using namespace tidecast::live;

namespace {
std::shared_ptr<const std::vector<std::uint8_t>> jpeg(std::vector<std::uint8_t> bytes) {
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}
}  // namespace

TEST_CASE("the thumbnail store keeps the latest picture; its version follows the bytes") {
  ThumbnailStore store;
  CHECK_FALSE(store.latest());
  store.publish(jpeg({0xff, 0xd8, 1}), 640, 360, 1000);
  const auto first = store.latest();
  REQUIRE(first);
  CHECK(first->width == 640);
  CHECK(first->height == 360);
  CHECK(first->version.size() == 16);
  CHECK(first->etag == "\"" + first->version + "-3\"");
  CHECK(thumbnail_url("/live/cam/", *first) == "/live/cam/thumbnail.jpg?t=" + first->version);

  store.publish(jpeg({0xff, 0xd8, 2}), 640, 360, 6000);
  const auto second = store.latest();
  CHECK(second->version != first->version);
  CHECK(second->etag != first->etag);
  CHECK(*first->jpeg == std::vector<std::uint8_t>{0xff, 0xd8, 1});  // a reader's copy stays whole

  // The same picture again (a still stream): the same version, so caches keep it.
  store.publish(jpeg({0xff, 0xd8, 2}), 640, 360, 11000);
  CHECK(store.latest()->version == second->version);
  CHECK(store.latest()->taken_ms == 11000);

  store.publish(jpeg({}), 640, 360, 12000);  // nothing: ignored
  CHECK(store.latest()->taken_ms == 11000);
}

// A channel's own latency mode (catalog/channel_latency.cpp).
#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;

TEST_CASE("a channel's latency mode is normal, low or NULL (the server's), and nothing else") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto id = catalog.channels().create("studio", "").channel.id;
  CHECK_FALSE(catalog.channels().latency_mode(id));
  CHECK(catalog.channels().set_latency_mode("studio", "low"));
  CHECK(catalog.channels().latency_mode(id) == std::optional<std::string>("low"));
  CHECK(catalog.channels().set_latency_mode("studio", "normal"));
  CHECK(catalog.channels().latency_mode(id) == std::optional<std::string>("normal"));
  CHECK_THROWS_AS(catalog.channels().set_latency_mode("studio", "ultra"), InvalidInput);
  CHECK(catalog.channels().latency_mode(id) == std::optional<std::string>("normal"));
  CHECK(catalog.channels().set_latency_mode("studio", std::nullopt));
  CHECK_FALSE(catalog.channels().latency_mode(id));
  CHECK_FALSE(catalog.channels().set_latency_mode("nobody", "low"));
  CHECK_FALSE(catalog.channels().latency_mode(id + 100));
}

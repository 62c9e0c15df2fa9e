#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "core/crypto.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;
using tidecast::test::testing_postgres;

TEST_CASE("creating a channel returns a key that finds it; only the hash is stored") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto created = catalog.channels().create("studio", "The Studio");
  CHECK(created.channel.name == "studio");
  CHECK(created.stream_key.size() >= 32);
  CHECK(catalog.channels().find_by_stream_key(created.stream_key)->name == "studio");
  CHECK_FALSE(catalog.channels().find_by_stream_key("wrong"));

  auto raw = catalog.database().prepare("SELECT stream_key_hash FROM channels");
  REQUIRE(raw.step());
  CHECK(raw.column_text(0) == tidecast::core::sha256_hex(created.stream_key));
  CHECK(raw.column_text(0).find(created.stream_key) == std::string::npos);
}

TEST_CASE("names are validated and unique") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  catalog.channels().create("a-1", "");
  CHECK_THROWS_AS(catalog.channels().create("a-1", ""), Conflict);
  CHECK_THROWS_AS(catalog.channels().create("", ""), InvalidInput);
  CHECK_THROWS_AS(catalog.channels().create("Upper", ""), InvalidInput);
  CHECK_THROWS_AS(catalog.channels().create("../x", ""), InvalidInput);
  CHECK_THROWS_AS(catalog.channels().create("-lead", ""), InvalidInput);
  CHECK(catalog.channels().list().size() == 1);
  CHECK(catalog.channels().find_by_name("a-1")->title == "a-1");  // title defaults to the name
}

TEST_CASE("regenerating a key revokes the old one") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto created = catalog.channels().create("live", "");
  const auto fresh = catalog.channels().regenerate_key("live");
  REQUIRE(fresh);
  CHECK_FALSE(catalog.channels().find_by_stream_key(created.stream_key));
  CHECK(catalog.channels().find_by_stream_key(*fresh)->name == "live");
  CHECK_FALSE(catalog.channels().regenerate_key("missing"));
}

TEST_CASE("a channel's ladder choice is stored as text, NULL by default, and can be cleared") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto created = catalog.channels().create("studio", "");
  const auto id = created.channel.id;
  CHECK_FALSE(catalog.channels().ladder(id));
  CHECK(catalog.channels().set_ladder("studio", R"({"enabled":false})"));
  CHECK(catalog.channels().ladder(id) == std::optional<std::string>(R"({"enabled":false})"));
  CHECK(catalog.channels().set_ladder("studio", std::nullopt));
  CHECK_FALSE(catalog.channels().ladder(id));
  CHECK_FALSE(catalog.channels().set_ladder("nobody", R"({"enabled":false})"));
  CHECK_FALSE(catalog.channels().ladder(id + 100));
}

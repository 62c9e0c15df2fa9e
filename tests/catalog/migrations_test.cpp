#include "catalog/migrations.hpp"

#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;
using tidecast::test::testing_postgres;

TEST_CASE("a new file is migrated to the latest schema") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  CHECK(schema_version(catalog.database()) == latest_schema_version());
  CHECK(latest_schema_version() >= 2);
}

TEST_CASE("an old file is upgraded and keeps its rows" * doctest::skip(testing_postgres())) {  // SQLite only
  TempDir dir;
  const auto file = test_catalog_location(dir, "old.db");
  {
    Database db = Database::open_location(file);
    CHECK(migrate(db, 1) == 1);
    CHECK(schema_version(db) == 1);
    db.exec("INSERT INTO channels (name, title, stream_key_hash, created_at) VALUES ('old', 'Old', 'h', 1)");
    db.exec("INSERT INTO videos (id, origin, state, created_at, updated_at) VALUES ('v1', 'upload', 'ready', 1, 1)");
  }
  Catalog catalog(file);
  CHECK(schema_version(catalog.database()) == latest_schema_version());
  CHECK(catalog.channels().find_by_name("old")->title == "Old");
  const auto video = catalog.videos().find("v1");
  REQUIRE(video);
  CHECK(video->visibility == "public");  // column added by migration 2, default applied
}

TEST_CASE("opening twice is a no-op") {
  TempDir dir;
  const auto file = test_catalog_location(dir);
  { Catalog first(file); }
  Database db = Database::open_location(file);
  CHECK(migrate(db) == 0);
  auto count = db.prepare("SELECT COUNT(*) FROM schema_version");
  REQUIRE(count.step());
  // One row per migration (versions are reserved per branch, so they may have gaps).
  CHECK(count.column_int(0) == static_cast<std::int64_t>(migrations(db.dialect()).size()));
}

TEST_CASE("a database from a newer Tidecast is refused, not damaged") {
  TempDir dir;
  const auto file = test_catalog_location(dir, "future.db");
  {
    Database db = Database::open_location(file);
    migrate(db);
    db.exec("INSERT INTO schema_version (version) VALUES (999)");
  }
  CHECK_THROWS_WITH_AS(Catalog{file}, doctest::Contains("newer than this Tidecast"), DatabaseError);
}

TEST_CASE("the catalog uses WAL and foreign keys" * doctest::skip(testing_postgres())) {  // SQLite only
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto mode = catalog.database().prepare("PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.column_text(0) == "wal");
  auto fk = catalog.database().prepare("PRAGMA foreign_keys");
  REQUIRE(fk.step());
  CHECK(fk.column_int(0) == 1);
}

#include "catalog/catalog.hpp"

#include "catalog/migrations.hpp"
#include "catalog/sqlite_connection.hpp"

namespace tidecast::catalog {

namespace {
Database open_migrated(const std::string& location) {
  Database db = Database::open_location(location);
  migrate(db);
  return db;
}
}  // namespace

Catalog::Catalog(const std::string& location)
    : location_(location),
      db_(open_migrated(location)),
      channels_(db_),
      videos_(db_, &video_changes_),
      tokens_(db_),
      uploads_(db_),
      jobs_(db_),
      users_(db_),
      sessions_(db_) {}

void Catalog::checkpoint() {
  if (db_.dialect() == Dialect::sqlite) checkpoint_sqlite(db_);
}

void Catalog::backup_to(const std::filesystem::path& file) {
  backup_sqlite(db_, file);
}

}  // namespace tidecast::catalog

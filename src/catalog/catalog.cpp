#include "catalog/catalog.hpp"

#include "catalog/migrations.hpp"

namespace tidecast::catalog {

namespace {
Database open_migrated(const std::filesystem::path& file) {
  Database db = Database::open(file);
  migrate(db);
  return db;
}
}  // namespace

Catalog::Catalog(const std::filesystem::path& database_file)
    : db_(open_migrated(database_file)), channels_(db_), videos_(db_) {}

void Catalog::checkpoint() { db_.exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

}  // namespace tidecast::catalog

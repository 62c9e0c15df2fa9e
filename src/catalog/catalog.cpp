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
    : file_(database_file),
      db_(open_migrated(database_file)),
      channels_(db_),
      videos_(db_),
      tokens_(db_),
      uploads_(db_),
      jobs_(db_),
      users_(db_),
      sessions_(db_) {}

void Catalog::checkpoint() { db_.exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

void Catalog::backup_to(const std::filesystem::path& file) {
  Database target = Database::open(file);
  sqlite3_backup* backup = sqlite3_backup_init(target.handle(), "main", db_.handle(), "main");
  if (!backup) target.throw_error(sqlite3_errcode(target.handle()), "backup init");
  int rc = SQLITE_OK;
  // Copy in steps so a busy catalog is not locked for the whole copy.
  while ((rc = sqlite3_backup_step(backup, 256)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (rc != SQLITE_OK) sqlite3_sleep(20);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) target.throw_error(rc, "backup step");
  target.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace tidecast::catalog

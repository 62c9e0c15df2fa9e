#pragma once
// The SQLite engine behind catalog::Database (a single box's catalog file).
#include <filesystem>
#include <memory>

#include "catalog/database.hpp"

namespace tidecast::catalog {

std::unique_ptr<detail::Connection> open_sqlite(const std::filesystem::path& file, int busy_timeout_ms);

// Online, consistent copy of the SQLite catalog `source` into `target` (the
// backup API: readers and writers keep going while it runs).
void backup_sqlite(Database& source, const std::filesystem::path& target);
// Folds the WAL into the main file (on shutdown and before backups).
void checkpoint_sqlite(Database& db);

}  // namespace tidecast::catalog

#pragma once
// Schema migrations. Each step runs once, in order, inside one transaction
// together with the bump of schema_version, so a crash never leaves a
// half-applied step. On PostgreSQL all pending steps run in one transaction
// under an advisory lock, so nodes starting together migrate once.
#include <span>
#include <string_view>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct Migration {
  int version;
  std::string_view sql;
};

std::span<const Migration> migrations(Dialect dialect = Dialect::sqlite);
int latest_schema_version();
// 0 for a database that has never been migrated.
int schema_version(Database& db);
// Applies every migration above the current version up to `target`
// (default: latest). Returns how many were applied. Refuses to open a
// database newer than this binary knows.
int migrate(Database& db, int target = -1);

}  // namespace tidecast::catalog

#pragma once
// Moves a single box's catalog into PostgreSQL when it grows into a cluster
// (`tidecast catalog copy-to-postgres URL`): every row of every table, ids
// kept (users, channel keys, tokens, sessions and video ids all go on
// working), in one transaction on the target.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct CopyReport {
  std::vector<std::pair<std::string, std::int64_t>> rows;  // table, rows copied
};

// `source` is a SQLite catalog, `target` a migrated PostgreSQL catalog with no
// users, channels or videos yet (refused otherwise, nothing written).
CopyReport copy_catalog(Database& source, Database& target);

}  // namespace tidecast::catalog

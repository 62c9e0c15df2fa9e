#pragma once
// Maintenance commands for headless servers: config checks and backups.
#include <filesystem>

#include "tidecast/config.hpp"

namespace tidecast::app {

// `tidecast --check-config FILE`: parses and validates, prints a verdict.
// Returns the process exit code.
int check_config_command(const std::filesystem::path& file);

// `tidecast backup DEST`: an online copy of the catalog (SQLite backup API)
// and of every finished video into DEST, safe while the server runs.
int backup_command(const Config& config, const std::filesystem::path& destination);

// `tidecast catalog copy-to-postgres URL`: this box's SQLite catalog into an
// empty PostgreSQL database (the first step of growing into a cluster).
int copy_to_postgres_command(const Config& config, const std::string& url);

}  // namespace tidecast::app

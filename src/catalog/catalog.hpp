#pragma once
// The catalog: opens the database (a SQLite file on a single box, PostgreSQL
// in a cluster), migrates it, and hands out the repositories. Other modules
// never see SQL.
#include <filesystem>
#include <string>

#include "catalog/channel_repository.hpp"
#include "catalog/database.hpp"
#include "catalog/job_repository.hpp"
#include "catalog/session_repository.hpp"
#include "catalog/token_repository.hpp"
#include "catalog/upload_repository.hpp"
#include "catalog/user_repository.hpp"
#include "catalog/video_repository.hpp"

namespace tidecast::catalog {

class Catalog {
 public:
  // A SQLite file path or a PostgreSQL connection string (is_postgres_location).
  explicit Catalog(const std::string& location);

  ChannelRepository& channels() { return channels_; }
  VideoRepository& videos() { return videos_; }
  TokenRepository& tokens() { return tokens_; }
  UploadRepository& uploads() { return uploads_; }
  JobRepository& jobs() { return jobs_; }
  UserRepository& users() { return users_; }
  SessionRepository& sessions() { return sessions_; }
  Database& database() { return db_; }
  // Bumped by every write to videos made through this process's repositories
  // (hand it to repositories over other connections too: VodOptions).
  VideoChanges& video_changes() { return video_changes_; }
  // Threads that need transactions of their own (job workers) open further
  // connections to this location (Database::open_location).
  const std::string& location() const { return location_; }
  // SQLite: folds the WAL into the main file (on shutdown and before backups).
  // PostgreSQL: nothing to do.
  void checkpoint();
  // Online, consistent copy of a SQLite catalog into `file` (SQLite backup
  // API: readers and writers keep going while it runs).
  void backup_to(const std::filesystem::path& file);

 private:
  std::string location_;
  Database db_;
  VideoChanges video_changes_;  // before videos_, which points at it
  ChannelRepository channels_;
  VideoRepository videos_;
  TokenRepository tokens_;
  UploadRepository uploads_;
  JobRepository jobs_;
  UserRepository users_;
  SessionRepository sessions_;
};

}  // namespace tidecast::catalog

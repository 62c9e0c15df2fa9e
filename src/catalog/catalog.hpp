#pragma once
// The SQLite catalog: opens <data_dir>/tidecast.db, migrates it, and hands out
// the repositories. Other modules never see SQL.
#include <filesystem>

#include "catalog/channel_repository.hpp"
#include "catalog/job_repository.hpp"
#include "catalog/session_repository.hpp"
#include "catalog/sqlite.hpp"
#include "catalog/token_repository.hpp"
#include "catalog/upload_repository.hpp"
#include "catalog/user_repository.hpp"
#include "catalog/video_repository.hpp"

namespace tidecast::catalog {

class Catalog {
 public:
  explicit Catalog(const std::filesystem::path& database_file);

  ChannelRepository& channels() { return channels_; }
  VideoRepository& videos() { return videos_; }
  TokenRepository& tokens() { return tokens_; }
  UploadRepository& uploads() { return uploads_; }
  JobRepository& jobs() { return jobs_; }
  UserRepository& users() { return users_; }
  SessionRepository& sessions() { return sessions_; }
  Database& database() { return db_; }
  // Threads that need transactions of their own (job workers) open further
  // connections to this file; WAL lets them read while another writes.
  const std::filesystem::path& file() const { return file_; }
  // Folds the WAL into the main file (on shutdown and before backups).
  void checkpoint();
  // Online, consistent copy of the whole catalog into `file` (SQLite backup
  // API: readers and writers keep going while it runs).
  void backup_to(const std::filesystem::path& file);

 private:
  std::filesystem::path file_;
  Database db_;
  ChannelRepository channels_;
  VideoRepository videos_;
  TokenRepository tokens_;
  UploadRepository uploads_;
  JobRepository jobs_;
  UserRepository users_;
  SessionRepository sessions_;
};

}  // namespace tidecast::catalog

#pragma once
// The SQLite catalog: opens <data_dir>/tidecast.db, migrates it, and hands out
// the repositories. Other modules never see SQL.
#include <filesystem>

#include "catalog/channel_repository.hpp"
#include "catalog/sqlite.hpp"
#include "catalog/video_repository.hpp"

namespace tidecast::catalog {

class Catalog {
 public:
  explicit Catalog(const std::filesystem::path& database_file);

  ChannelRepository& channels() { return channels_; }
  VideoRepository& videos() { return videos_; }
  Database& database() { return db_; }
  // Folds the WAL into the main file (on shutdown and before backups).
  void checkpoint();
  // Online, consistent copy of the whole catalog into `file` (SQLite backup
  // API: readers and writers keep going while it runs).
  void backup_to(const std::filesystem::path& file);

 private:
  Database db_;
  ChannelRepository channels_;
  VideoRepository videos_;
};

}  // namespace tidecast::catalog

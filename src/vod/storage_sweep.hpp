#pragma once
// A storage node's files of videos that no longer exist. A video deleted
// through another node loses its rows there; its files are here, so the
// storage node removes, now and then, every videos/<id>/ and originals/<id>
// whose video is gone. Only files untouched for `min_age` are considered, so
// an upload being accepted (file moved in just before its row is written)
// is never taken for an orphan.
#include <chrono>
#include <filesystem>

#include "catalog/database.hpp"

namespace tidecast::vod {

struct SweepCount {
  std::size_t videos = 0;
  std::size_t originals = 0;
};

SweepCount sweep_orphans(catalog::Database& db, const std::filesystem::path& data_dir,
                         std::chrono::seconds min_age = std::chrono::minutes(10));

}  // namespace tidecast::vod

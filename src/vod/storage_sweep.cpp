#include "vod/storage_sweep.hpp"

#include <set>
#include <string>

namespace tidecast::vod {

namespace fs = std::filesystem;

SweepCount sweep_orphans(catalog::Database& db, const fs::path& data_dir, std::chrono::seconds min_age) {
  std::set<std::string, std::less<>> known;
  auto stmt = db.prepare("SELECT id FROM videos");
  while (stmt.step()) known.insert(stmt.column_text(0));
  const auto cutoff = fs::file_time_type::clock::now() - min_age;
  SweepCount count;
  const auto sweep = [&](const fs::path& dir, std::size_t& removed) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with('.') || known.contains(name)) continue;
      std::error_code time_ec;
      const auto written = fs::last_write_time(entry.path(), time_ec);
      if (time_ec || written > cutoff) continue;
      std::error_code remove_ec;
      fs::remove_all(entry.path(), remove_ec);
      if (!remove_ec) ++removed;
    }
  };
  sweep(data_dir / "videos", count.videos);
  sweep(data_dir / "originals", count.originals);
  return count;
}

}  // namespace tidecast::vod

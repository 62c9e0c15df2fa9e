#include "app/maintenance.hpp"

#include <cstdio>

#include "catalog/catalog.hpp"
#include "catalog/catalog_copy.hpp"

namespace tidecast::app {

int check_config_command(const std::filesystem::path& file) {
  try {
    const Config config = load_config_file(file);
    std::printf("%s: OK (http %s, rtmp %s, data_dir %s)\n", file.c_str(), config.http.listen.c_str(),
                config.rtmp.listen.c_str(), config.data_dir.c_str());
    return 0;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "tidecast: config error: %s\n", e.what());
    return 2;
  }
}

int backup_command(const Config& config, const std::filesystem::path& destination) {
  namespace fs = std::filesystem;
  const fs::path source_db = config.data_dir / "tidecast.db";
  if (!fs::exists(source_db)) {
    std::fprintf(stderr, "tidecast backup: no catalog at %s\n", source_db.c_str());
    return 1;
  }
  fs::create_directories(destination);
  const fs::path target_db = destination / "tidecast.db";
  if (fs::exists(target_db)) {
    std::fprintf(stderr, "tidecast backup: %s already exists; choose an empty destination\n", target_db.c_str());
    return 1;
  }
  catalog::Catalog catalog(source_db);
  catalog.backup_to(target_db);

  // Finished videos are immutable once published, so a plain copy is
  // consistent; half-written conversions (.tmp-*) are skipped.
  std::size_t files = 0;
  const fs::path videos = config.data_dir / "videos";
  if (fs::exists(videos)) {
    for (const auto& entry : fs::directory_iterator(videos)) {
      if (!entry.is_directory() || entry.path().filename().string().starts_with(".tmp-")) continue;
      const fs::path target = destination / "videos" / entry.path().filename();
      fs::create_directories(target);
      fs::copy(entry.path(), target, fs::copy_options::recursive | fs::copy_options::skip_existing);
      ++files;
    }
  }
  std::printf("backup: catalog -> %s, %zu video folders -> %s\n", target_db.c_str(), files,
              (destination / "videos").c_str());
  return 0;
}

int copy_to_postgres_command(const Config& config, const std::string& url) {
  const auto source_db = config.data_dir / "tidecast.db";
  if (!std::filesystem::exists(source_db)) {
    std::fprintf(stderr, "tidecast catalog copy-to-postgres: no catalog at %s\n", source_db.c_str());
    return 1;
  }
  if (!catalog::is_postgres_location(url)) {
    std::fprintf(stderr, "tidecast catalog copy-to-postgres: \"%s\" is not a PostgreSQL connection string\n",
                 url.c_str());
    return 2;
  }
  catalog::Catalog source(source_db.string());
  catalog::Catalog target(url);  // migrated to this version's schema first
  const auto report = catalog::copy_catalog(source.database(), target.database());
  for (const auto& [table, rows] : report.rows) std::printf("copied %s: %lld rows\n", table.c_str(), (long long)rows);
  std::printf("done: set cluster.database to this URL on every node (docs/scaling.md)\n");
  return 0;
}

}  // namespace tidecast::app

#include "app/storage_role.hpp"

#include <memory>
#include <optional>

#include "api/storage_routes.hpp"
#include "catalog/database.hpp"
#include "core/clock.hpp"
#include "vod/fenced_publish.hpp"
#include "vod/storage_sweep.hpp"

namespace tidecast::app {

void add_storage_role(ClusterNode& node, http::Router& internal, http::Router& streaming,
                      const std::string& catalog_location, const std::filesystem::path& data_dir, core::Logger& log) {
  internal.set_fallback([](const http::Request&, const http::RouteContext&) {
    return http::make_json_error(http::Status::not_found, "not_found", "no storage route");
  });
  const cluster::ClusterAuth& auth = node.auth();
  api::StorageRouteDeps deps{catalog_location, data_dir,
                             [&auth](const http::RequestHead& head) {
                               return auth
                                   .verify(head[cluster::kClusterHeader], head.method_string(), head.target(),
                                           core::unix_now_ms() / 1000)
                                   .error;
                             },
                             log};
  api::add_storage_routes(internal, streaming, std::move(deps));
  node.serve_storage([&internal](const http::Request& request, const http::ClientInfo& client) {
    return internal.handle(request, client);
  });
  auto db = std::make_shared<std::optional<catalog::Database>>();
  node.every_second("storage sweep", [&log, tick = 0, db, catalog_location, data_dir]() mutable {
    ++tick;
    if (tick % 10 != 0) return;
    if (!*db) db->emplace(catalog::Database::open_location(catalog_location));
    if (const auto removed = vod::sweep_attempts(**db, data_dir / "videos"); removed > 0) {
      log.info("storage", "removed stale attempt directories count={}", removed);
    }
    // Files of videos deleted through other nodes, every 10 minutes.
    if (tick % 600 != 0) return;
    if (const auto orphans = vod::sweep_orphans(**db, data_dir); orphans.videos + orphans.originals > 0) {
      log.info("storage", "removed files of deleted videos videos={} originals={}", orphans.videos, orphans.originals);
    }
  });
}

}  // namespace tidecast::app

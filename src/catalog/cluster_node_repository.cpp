#include "catalog/cluster_node_repository.hpp"

namespace tidecast::catalog {

void ClusterNodeRepository::upsert(std::string_view node, std::string_view internal_url, std::string_view roles,
                                   std::int64_t now_ms) {
  db_.prepare(
         "INSERT INTO cluster_nodes (name, internal_url, roles, seen_at) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (name) DO UPDATE SET internal_url = excluded.internal_url, roles = excluded.roles, "
         "seen_at = excluded.seen_at")
      .bind_all(node, internal_url, roles, now_ms)
      .run();
}

std::vector<std::pair<std::string, std::string>> ClusterNodeRepository::seen_since(std::int64_t since_ms,
                                                                                   std::string_view role) {
  auto stmt = db_.prepare("SELECT name, internal_url, roles FROM cluster_nodes WHERE seen_at >= ? ORDER BY name");
  stmt.bind_all(since_ms);
  std::vector<std::pair<std::string, std::string>> out;
  while (stmt.step()) {
    const std::string roles = stmt.column_text(2);
    // roles is a comma-separated list
    const std::string padded = "," + roles + ",";
    if (padded.find("," + std::string(role) + ",") != std::string::npos) {
      out.emplace_back(stmt.column_text(0), stmt.column_text(1));
    }
  }
  return out;
}

std::optional<std::string> ClusterNodeRepository::internal_url(std::string_view node) {
  auto stmt = db_.prepare("SELECT internal_url FROM cluster_nodes WHERE name = ?");
  stmt.bind(1, node);
  if (!stmt.step()) return std::nullopt;
  return stmt.column_text(0);
}

void ClusterNodeRepository::set_stored_on(std::string_view video_id, std::string_view node) {
  db_.prepare("UPDATE videos SET stored_on = ? WHERE id = ?").bind_all(node, video_id).run();
}

void ClusterNodeRepository::set_extras(std::string_view video_id, std::string_view extras) {
  db_.prepare("UPDATE videos SET extras = ? WHERE id = ?").bind_all(extras, video_id).run();
}

std::optional<StoredOn> ClusterNodeRepository::stored_on(std::string_view video_id) {
  auto stmt = db_.prepare(
      "SELECT v.stored_on, COALESCE(n.internal_url, '') FROM videos v LEFT JOIN cluster_nodes n ON n.name = "
      "v.stored_on WHERE v.id = ?");
  stmt.bind(1, video_id);
  if (!stmt.step() || stmt.column_is_null(0) || stmt.column_text(0).empty()) return std::nullopt;
  return StoredOn{stmt.column_text(0), stmt.column_text(1)};
}

}  // namespace tidecast::catalog

#include "catalog/cluster_state_repository.hpp"

#include <fmt/format.h>

namespace tidecast::catalog {

std::string ClusterStateRepository::now_ms_sql() const {
  if (db_.dialect() == Dialect::postgres) return "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";
  return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
}

std::vector<LiveOnNode> ClusterStateRepository::live_elsewhere(std::string_view node) {
  auto stmt = db_.prepare(
      fmt::format("SELECT c.name, c.title, l.node FROM channel_leases l JOIN channels c ON c.id = l.channel_id "
                  "WHERE l.expires_at > {} AND l.node <> ? ORDER BY c.name",
                  now_ms_sql()));
  stmt.bind(1, node);
  std::vector<LiveOnNode> out;
  while (stmt.step()) out.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_text(2)});
  return out;
}

void ClusterStateRepository::report_viewers(std::string_view node, const std::map<std::string, std::int64_t>& counts) {
  Transaction tx(db_);
  db_.prepare("DELETE FROM channel_viewers WHERE node = ?").bind_all(node).run();
  const std::string now = now_ms_sql();
  for (const auto& [channel, viewers] : counts) {
    db_.prepare(
           fmt::format("INSERT INTO channel_viewers (node, channel, viewers, updated_at) VALUES (?, ?, ?, {})", now))
        .bind_all(node, std::string_view(channel), viewers)
        .run();
  }
  tx.commit();
}

std::map<std::string, std::int64_t> ClusterStateRepository::viewer_totals(std::int64_t fresh_ms,
                                                                          std::int64_t forget_ms) {
  const std::string now = now_ms_sql();
  db_.prepare(fmt::format("DELETE FROM channel_viewers WHERE updated_at < {} - ?", now)).bind_all(forget_ms).run();
  auto stmt = db_.prepare(fmt::format(
      "SELECT channel, CAST(SUM(viewers) AS BIGINT) FROM channel_viewers WHERE updated_at > {} - ? GROUP BY channel",
      now));
  stmt.bind(1, fresh_ms);
  std::map<std::string, std::int64_t> out;
  while (stmt.step()) out[stmt.column_text(0)] = stmt.column_int(1);
  return out;
}

}  // namespace tidecast::catalog

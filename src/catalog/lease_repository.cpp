#include "catalog/lease_repository.hpp"

#include <fmt/format.h>

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns = "l.channel_id, l.node, l.node_url, l.epoch, l.expires_at";

Lease read_lease(const Statement& row, std::int64_t now_ms) {
  Lease lease{row.column_int(0), row.column_text(1), row.column_text(2), row.column_int(3), row.column_int(4)};
  lease.live = lease.expires_at_ms > now_ms;
  return lease;
}

}  // namespace

std::string LeaseRepository::now_ms_sql() const {
  if (db_.dialect() == Dialect::postgres) return "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";
  return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
}

std::optional<Lease> LeaseRepository::acquire(std::int64_t channel_id, std::string_view node, std::string_view node_url,
                                              std::int64_t ttl_ms) {
  const std::string now = now_ms_sql();
  auto stmt = db_.prepare(
      fmt::format("INSERT INTO channel_leases AS l (channel_id, node, node_url, epoch, expires_at) VALUES (?1, ?2, ?3, "
                  "1, {0} + ?4) "
                  "ON CONFLICT (channel_id) DO UPDATE SET node = excluded.node, node_url = excluded.node_url, "
                  "epoch = l.epoch + 1, expires_at = excluded.expires_at "
                  "WHERE l.expires_at <= {0} OR l.node = excluded.node "
                  "RETURNING channel_id, node, node_url, epoch, expires_at, {0}",
                  now));
  stmt.bind(1, channel_id).bind(2, node).bind(3, node_url).bind(4, ttl_ms);
  if (!stmt.step()) return std::nullopt;
  Lease lease = read_lease(stmt, stmt.column_int(5));
  stmt.run();
  return lease;
}

bool LeaseRepository::renew(std::int64_t channel_id, std::string_view node, std::int64_t epoch, std::int64_t ttl_ms) {
  auto stmt = db_.prepare(fmt::format(
      "UPDATE channel_leases SET expires_at = {} + ? WHERE channel_id = ? AND node = ? AND epoch = ?", now_ms_sql()));
  return stmt.bind_all(ttl_ms, channel_id, node, epoch).run() > 0;
}

void LeaseRepository::release(std::int64_t channel_id, std::string_view node, std::int64_t epoch) {
  db_.prepare("UPDATE channel_leases SET expires_at = 0 WHERE channel_id = ? AND node = ? AND epoch = ?")
      .bind_all(channel_id, node, epoch)
      .run();
}

std::optional<std::int64_t> LeaseRepository::next_period(std::int64_t channel_id, std::string_view node,
                                                         std::int64_t epoch) {
  auto stmt = db_.prepare(
      "UPDATE channel_leases SET next_period = next_period + 1 WHERE channel_id = ? AND node = ? AND epoch = ? "
      "RETURNING next_period - 1");
  stmt.bind_all(channel_id, node, epoch);
  if (!stmt.step()) return std::nullopt;
  const std::int64_t period = stmt.column_int(0);
  stmt.run();
  return period;
}

std::optional<Lease> LeaseRepository::find(std::int64_t channel_id) {
  auto stmt =
      db_.prepare(fmt::format("SELECT {}, {} FROM channel_leases l WHERE l.channel_id = ?", kColumns, now_ms_sql()));
  stmt.bind(1, channel_id);
  if (!stmt.step()) return std::nullopt;
  return read_lease(stmt, stmt.column_int(5));
}

std::optional<Lease> LeaseRepository::find_by_channel_name(std::string_view channel) {
  auto stmt = db_.prepare(
      fmt::format("SELECT {}, {} FROM channel_leases l JOIN channels c ON c.id = l.channel_id WHERE c.name = ?",
                  kColumns, now_ms_sql()));
  stmt.bind(1, channel);
  if (!stmt.step()) return std::nullopt;
  return read_lease(stmt, stmt.column_int(5));
}

std::vector<std::pair<std::string, Lease>> LeaseRepository::live_leases() {
  const std::string now = now_ms_sql();
  auto stmt = db_.prepare(fmt::format(
      "SELECT {}, {}, c.name FROM channel_leases l JOIN channels c ON c.id = l.channel_id WHERE l.expires_at > {} "
      "ORDER BY c.name",
      kColumns, now, now));
  std::vector<std::pair<std::string, Lease>> out;
  while (stmt.step()) out.emplace_back(stmt.column_text(6), read_lease(stmt, stmt.column_int(5)));
  return out;
}

}  // namespace tidecast::catalog

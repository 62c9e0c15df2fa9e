#include "catalog/numbering_repository.hpp"

#include <fmt/format.h>

namespace tidecast::catalog {

std::optional<ChannelNumbering> NumberingRepository::read(std::int64_t channel_id, std::string_view node,
                                                          std::int64_t epoch) {
  auto stmt = db_.prepare(
      "SELECT next_sequence, next_discontinuity, next_period FROM channel_leases "
      "WHERE channel_id = ? AND node = ? AND epoch = ?");
  stmt.bind_all(channel_id, node, epoch);
  if (!stmt.step()) return std::nullopt;
  ChannelNumbering out;
  out.next_sequence = stmt.column_int(0);
  out.next_discontinuity = stmt.column_int(1);
  out.next_period = stmt.column_int(2);
  return out;
}

bool NumberingRepository::raise(std::int64_t channel_id, std::string_view node, std::int64_t epoch,
                                const ChannelNumbering& floor) {
  // Two-argument MAX is SQLite's scalar maximum; PostgreSQL calls it GREATEST.
  const std::string_view max = db_.dialect() == Dialect::postgres ? "GREATEST" : "MAX";
  auto stmt = db_.prepare(fmt::format(
      "UPDATE channel_leases SET next_sequence = {0}(next_sequence, ?), next_discontinuity = {0}(next_discontinuity, "
      "?), next_period = {0}(next_period, ?) WHERE channel_id = ? AND node = ? AND epoch = ?",
      max));
  return stmt.bind_all(floor.next_sequence, floor.next_discontinuity, floor.next_period, channel_id, node, epoch)
             .run() > 0;
}

}  // namespace tidecast::catalog

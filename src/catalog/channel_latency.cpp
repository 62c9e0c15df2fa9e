// A channel's own latency mode (schema 11: channels.latency_mode).
#include "catalog/channel_repository.hpp"

namespace tidecast::catalog {

bool ChannelRepository::set_latency_mode(std::string_view name, std::optional<std::string_view> mode) {
  if (mode && *mode != "normal" && *mode != "low") {
    throw InvalidInput("latency mode must be \"normal\" or \"low\"");
  }
  auto stmt = db_.prepare("UPDATE channels SET latency_mode = ? WHERE name = ?");
  if (mode) {
    stmt.bind(1, *mode);
  } else {
    stmt.bind(1, std::nullopt);
  }
  stmt.bind(2, name);
  return stmt.run() > 0;
}

std::optional<std::string> ChannelRepository::latency_mode(std::int64_t channel_id) {
  auto stmt = db_.prepare("SELECT latency_mode FROM channels WHERE id = ?");
  stmt.bind(1, channel_id);
  if (!stmt.step() || stmt.column_is_null(0)) return std::nullopt;
  return stmt.column_text(0);
}

}  // namespace tidecast::catalog

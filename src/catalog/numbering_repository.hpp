#pragma once
// A live channel's numbering in a cluster, kept on its lease row: the next
// media sequence number, the next discontinuity sequence and the lowest
// unused period id. The owner raises them as it goes (ahead of what it uses),
// so the channel's next owner, after a failure, continues above anything the
// old one can have published. Reads and writes name the lease's holder and
// epoch: a node that lost the lease neither reads a start nor writes.
#include <cstdint>
#include <optional>
#include <string_view>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct ChannelNumbering {
  std::int64_t next_sequence = 0;
  std::int64_t next_discontinuity = 0;
  std::int64_t next_period = 0;
};

class NumberingRepository {
 public:
  explicit NumberingRepository(Database& db) : db_(db) {}

  // The recorded numbering; nullopt unless `node` holds the lease at `epoch`.
  std::optional<ChannelNumbering> read(std::int64_t channel_id, std::string_view node, std::int64_t epoch);
  // Raises each value to at least `floor` (never lowers one); false unless
  // `node` holds the lease at `epoch` (released or expired is fine: nobody
  // else took it).
  bool raise(std::int64_t channel_id, std::string_view node, std::int64_t epoch, const ChannelNumbering& floor);

 private:
  Database& db_;
};

}  // namespace tidecast::catalog

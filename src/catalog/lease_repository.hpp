#pragma once
// Leases on live channels: in a cluster, the node that accepted a channel's
// publish holds its lease and is the only one that writes for it. Times are
// the database's own clock (nodes' clocks never compare), and every change
// bumps or checks the epoch, so a node that lost its lease (paused,
// partitioned) is fenced out: its renewals and writes match no row.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct Lease {
  std::int64_t channel_id = 0;
  std::string node;
  std::string node_url;
  std::int64_t epoch = 0;
  std::int64_t expires_at_ms = 0;  // database clock
  bool live = false;               // not expired (database clock)
};

class LeaseRepository {
 public:
  explicit LeaseRepository(Database& db) : db_(db) {}

  // Takes the channel's lease for `node` when it is free, expired, or already
  // this node's (a restarted node takes its own leases back at once). Returns
  // the new lease (its epoch one above the last) or nullopt when another node
  // holds it.
  std::optional<Lease> acquire(std::int64_t channel_id, std::string_view node, std::string_view node_url,
                               std::int64_t ttl_ms);
  // Extends the lease while its epoch is unchanged; false = lost.
  bool renew(std::int64_t channel_id, std::string_view node, std::int64_t epoch, std::int64_t ttl_ms);
  // Ends the lease early (the stream ended); keeps the row, and so the epoch.
  void release(std::int64_t channel_id, std::string_view node, std::int64_t epoch);
  // The next period number of the channel, unique cluster-wide; nullopt when
  // the lease was lost (the caller must stop writing).
  std::optional<std::int64_t> next_period(std::int64_t channel_id, std::string_view node, std::int64_t epoch);
  std::optional<Lease> find(std::int64_t channel_id);
  std::optional<Lease> find_by_channel_name(std::string_view channel);
  // Every lease that is live now.
  std::vector<std::pair<std::string, Lease>> live_leases();

 private:
  std::string now_ms_sql() const;
  Database& db_;
};

}  // namespace tidecast::catalog

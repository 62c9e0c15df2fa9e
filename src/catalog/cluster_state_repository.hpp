#pragma once
// State a cluster's nodes share through the catalog for the web UI: which
// channels are live on which node (from the leases) and each node's viewer
// counts per channel, summed over the nodes that reported lately (a dead
// node's rows stop counting after a few seconds and are removed later).
// Times are the database's own clock.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct LiveOnNode {
  std::string channel;
  std::string title;
  std::string node;
};

class ClusterStateRepository {
 public:
  explicit ClusterStateRepository(Database& db) : db_(db) {}

  // Channels whose live lease another node than `node` holds.
  std::vector<LiveOnNode> live_elsewhere(std::string_view node);
  // Replaces `node`'s viewer counts (channel name -> viewers).
  void report_viewers(std::string_view node, const std::map<std::string, std::int64_t>& counts);
  // Per channel, the sum over rows reported within `fresh_ms`; rows older
  // than `forget_ms` are deleted.
  std::map<std::string, std::int64_t> viewer_totals(std::int64_t fresh_ms, std::int64_t forget_ms = 60'000);

 private:
  std::string now_ms_sql() const;
  Database& db_;
};

}  // namespace tidecast::catalog

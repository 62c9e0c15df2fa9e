#pragma once
// Shares this node's view of live channels with the others through the
// catalog, every second (ClusterNode's refresh): its viewer counts per channel
// (its own presentations and the channels it relays) go in; the channels
// live on other nodes and the viewers summed over all nodes come out, into
// the cluster::ClusterState the live service answers from (API, events).
#include <functional>
#include <string>

#include "catalog/database.hpp"
#include "cluster/cluster_state.hpp"
#include "live/live_service.hpp"

namespace tidecast::app {

class ClusterStateSync {
 public:
  // `owns(channel)`: this node is the channel's owner (its own viewers count
  // only then: a fenced presentation's viewers are relayed, and counted so).
  ClusterStateSync(catalog::Database& db, const std::string& node, live::LiveService& live,
                   std::function<bool(const std::string&)> owns);
  ~ClusterStateSync();

  cluster::RelayViewers& relay_viewers() { return relay_; }
  void refresh();

 private:
  catalog::Database& db_;
  const std::string& node_;
  live::LiveService& live_;
  std::function<bool(const std::string&)> owns_;
  cluster::RelayViewers relay_;
  cluster::ClusterState state_;
};

}  // namespace tidecast::app

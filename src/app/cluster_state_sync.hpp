#pragma once
// Shares this node's view of live channels with the others through the
// catalog, every second (ClusterNode's refresh): its viewer counts per channel
// (its own presentations and the channels it relays) go in; the channels
// live on other nodes and the viewers summed over all nodes come out, into
// the cluster::ClusterState the live service answers from (API, events).
#include <string>

#include "catalog/database.hpp"
#include "cluster/cluster_state.hpp"
#include "live/live_service.hpp"

namespace tidecast::app {

class ClusterStateSync {
 public:
  ClusterStateSync(catalog::Database& db, const std::string& node, live::LiveService& live);
  ~ClusterStateSync();

  cluster::RelayViewers& relay_viewers() { return relay_; }
  void refresh();

 private:
  catalog::Database& db_;
  const std::string& node_;
  live::LiveService& live_;
  cluster::RelayViewers relay_;
  cluster::ClusterState state_;
};

}  // namespace tidecast::app

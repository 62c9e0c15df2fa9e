#pragma once
// The composition root's wiring of cluster::LeaseNumbering: the catalog's
// numbering repository under this node's name, the live service's channels
// as the current numbering, and the live service told where presentations
// start. Built by ClusterNode; records every second through its refresh.
#include <chrono>
#include <memory>
#include <string>

#include "catalog/database.hpp"
#include "cluster/numbering.hpp"
#include "cluster/ownership.hpp"
#include "core/log.hpp"
#include "live/live_service.hpp"

namespace tidecast::app {

class ClusterNumbering {
 public:
  ClusterNumbering(catalog::Database& db, const std::string& node, cluster::LeaseKeeper& keeper,
                   live::LiveService& live, std::chrono::milliseconds lease_ttl, core::Logger& log);
  ~ClusterNumbering();

  void record_all() { numbering_->record_all(); }

 private:
  class Store;
  live::LiveService& live_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cluster::LeaseNumbering> numbering_;
};

}  // namespace tidecast::app

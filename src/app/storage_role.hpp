#pragma once
// The `storage` role of a cluster node: the internal storage routes runners
// call (api/storage_routes.hpp: originals, attempt uploads, the fenced
// commit), answered behind the node's cluster front, and sweeps: attempt
// directories whose lease is gone (a runner died or lost its job) every 10 s,
// files of videos deleted through other nodes every 10 minutes.
#include <filesystem>
#include <string>

#include "app/cluster_node.hpp"
#include "core/log.hpp"
#include "http/router.hpp"

namespace tidecast::app {

// `internal` must outlive the node (it answers the front's storage calls);
// `streaming` is the server's router (the streamed PUT is registered there).
void add_storage_role(ClusterNode& node, http::Router& internal, http::Router& streaming,
                      const std::string& catalog_location, const std::filesystem::path& data_dir, core::Logger& log);

}  // namespace tidecast::app

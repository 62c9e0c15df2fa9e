#pragma once
// What a cluster node adds around the single-box server (cluster.enabled):
// leases on the channels it ingests, the front that relays other owners'
// channels and checks internal calls, and the agreement check on shared
// settings. Built by the composition root; nothing of it exists on a single box.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/cluster_numbering.hpp"
#include "app/cluster_state_sync.hpp"
#include "catalog/database.hpp"
#include "cluster/cluster_auth.hpp"
#include "cluster/node_front.hpp"
#include "cluster/owner_directory.hpp"
#include "cluster/ownership.hpp"
#include "cluster/pull_cache.hpp"
#include "cluster/pull_client.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "live/live_service.hpp"
#include "tidecast/config.hpp"

namespace tidecast::app {

class ClusterNode {
 public:
  ClusterNode(const ClusterConfig& config, std::string secret, boost::asio::io_context& ioc, core::Logger& log,
              core::Metrics& metrics, catalog::Database& db, live::LiveService& live, live::ChannelDirectory& directory,
              http::RequestHandler next);
  ~ClusterNode();

  // With the HTTP port known: this node's internal URL, then renewals start.
  void start(const std::string& internal_url);
  // Runs `refresh` every second while the node runs: state other nodes change
  // in the catalog and this node caches in memory (channel privacy) follows
  // within a second. Failures are logged once a minute and retried.
  void every_second(std::string name, std::function<void()> refresh);
  void stop();

  rtmp::PublishGateway& gateway() { return *gateway_; }
  http::Response handle(const http::Request& request, const http::ClientInfo& client) {
    return front_->handle(request, client);
  }
  const std::string& internal_url() const { return internal_url_; }
  const cluster::ClusterAuth& auth() const { return auth_; }
  // Role `storage`: uploads are accepted here and `api` answers the
  // storage routes of the internal API (api/storage_routes.hpp).
  bool stores() const { return config_.has_role("storage"); }
  void serve_storage(http::RequestHandler api) { front_->set_storage_api(std::move(api)); }

 private:
  class Leases;
  void schedule_refresh();
  const ClusterConfig& config_;
  core::Logger& log_;
  catalog::Database& db_;
  std::string internal_url_;
  cluster::ClusterAuth auth_;
  std::unique_ptr<Leases> leases_;
  std::unique_ptr<cluster::LeaseKeeper> keeper_;
  std::unique_ptr<cluster::OwnedPublishGateway> gateway_;
  std::unique_ptr<cluster::PullClient> pull_client_;
  std::unique_ptr<cluster::PullCache> pulls_;
  std::unique_ptr<cluster::SegmentRelay> segment_relay_;  // low-latency DASH segments from their owner
  std::unique_ptr<cluster::OwnerDirectory> owners_;
  std::unique_ptr<cluster::OwnerDirectory> video_holders_;  // which node stores a video's files
  std::unique_ptr<cluster::NodeFront> front_;
  std::unique_ptr<ClusterNumbering> numbering_;
  std::unique_ptr<ClusterStateSync> state_sync_;
  std::vector<std::pair<std::string, std::function<void()>>> refreshers_;
  boost::asio::steady_timer refresh_timer_;
  std::chrono::steady_clock::time_point last_refresh_error_log_{};
  std::atomic<bool> stopped_{false};
};

// Every node must share the URL-signing key and the cluster secret: their
// fingerprints are stored by the first node; a node whose files differ
// refuses to start, naming the key. Throws std::runtime_error.
void check_cluster_agreement(catalog::Database& db, const std::string& signing_key, const std::string& secret);

}  // namespace tidecast::app

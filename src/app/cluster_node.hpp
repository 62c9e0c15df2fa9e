#pragma once
// What a cluster node adds around the single-box server (cluster.enabled):
// leases on the channels it ingests, the front that relays other owners'
// channels and checks internal calls, and the agreement check on shared
// settings. Built by the composition root; nothing of it exists on a single box.
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

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
  void stop();

  rtmp::PublishGateway& gateway() { return *gateway_; }
  http::Response handle(const http::Request& request, const http::ClientInfo& client) {
    return front_->handle(request, client);
  }
  const std::string& internal_url() const { return internal_url_; }

 private:
  class Leases;
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
  std::unique_ptr<cluster::OwnerDirectory> owners_;
  std::unique_ptr<cluster::NodeFront> front_;
};

// Every node must share the URL-signing key and the cluster secret: their
// fingerprints are stored by the first node; a node whose files differ
// refuses to start, naming the key. Throws std::runtime_error.
void check_cluster_agreement(catalog::Database& db, const std::string& signing_key, const std::string& secret);

}  // namespace tidecast::app

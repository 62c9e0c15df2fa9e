#include "app/cluster_node.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "catalog/cluster_node_repository.hpp"
#include "catalog/lease_repository.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "live/hold_limit.hpp"

namespace tidecast::app {

// The keeper's catalog side: leases of this node, over the shared catalog.
class ClusterNode::Leases : public cluster::LeaseStore {
 public:
  Leases(catalog::Database& db, const std::string& node, const std::string& url, std::int64_t ttl_ms)
      : repo_(db), node_(node), url_(url), ttl_ms_(ttl_ms) {}

  std::optional<std::int64_t> acquire(std::int64_t channel_id, std::string& holder) override {
    if (auto lease = repo_.acquire(channel_id, node_, url_, ttl_ms_)) return lease->epoch;
    if (auto current = repo_.find(channel_id)) holder = current->node;
    return std::nullopt;
  }
  bool renew(std::int64_t channel_id, std::int64_t epoch) override {
    return repo_.renew(channel_id, node_, epoch, ttl_ms_);
  }
  void release(std::int64_t channel_id, std::int64_t epoch) override { repo_.release(channel_id, node_, epoch); }

 private:
  catalog::LeaseRepository repo_;
  const std::string& node_;
  const std::string& url_;
  std::int64_t ttl_ms_;
};

ClusterNode::ClusterNode(const ClusterConfig& config, std::string secret, boost::asio::io_context& ioc,
                         core::Logger& log, core::Metrics& metrics, catalog::Database& db, live::LiveService& live,
                         live::ChannelDirectory& directory, http::RequestHandler next)
    : config_(config), log_(log), db_(db), auth_(config.node, std::move(secret)), refresh_timer_(ioc) {
  const auto ttl = std::chrono::milliseconds(std::int64_t{config.lease_seconds} * 1000);
  leases_ = std::make_unique<Leases>(db, auth_.node(), internal_url_, ttl.count());
  keeper_ = std::make_unique<cluster::LeaseKeeper>(ioc, log, *leases_, ttl);
  gateway_ = std::make_unique<cluster::OwnedPublishGateway>(live, directory, *keeper_, log, config.has_role("ingest"));
  pull_client_ = std::make_unique<cluster::PullClient>(ioc, auth_, cluster::PullClient::Options{});
  const auto pull_counter = [&metrics](const char* result) {
    return &metrics.counter("tidecast_cluster_pull_requests_total",
                            "Requests for media another node owns, by how they were answered", {{"result", result}});
  };
  cluster::PullCounters counters{pull_counter("fetch"), pull_counter("hit"), pull_counter("coalesced"),
                                 pull_counter("failed"), pull_counter("stale")};
  pulls_ = std::make_unique<cluster::PullCache>(
      *pull_client_, log, cluster::PullCacheOptions{.max_bytes = config.pull_cache_bytes}, counters, auth_.node());
  owners_ = std::make_unique<cluster::OwnerDirectory>([this](const std::string& channel) {
    std::optional<cluster::Owner> owner;
    catalog::LeaseRepository repo(db_);
    if (auto lease = repo.find_by_channel_name(channel); lease && lease->live) {
      owner = cluster::Owner{lease->node, lease->node_url, lease->epoch};
    }
    return owner;
  });
  front_ = std::make_unique<cluster::NodeFront>(cluster::NodeFront::Deps{
      .auth = auth_,
      .owners = *owners_,
      .pulls = *pulls_,
      .live_here =
          [this, &live](const std::string& channel) {
            const auto local = live.find(channel);
            return local && !local->finished() && keeper_->owns(channel);
          },
      .next = std::move(next),
      .log = log,
      .refused =
          &metrics.counter("tidecast_cluster_internal_refused_total", "Internal calls refused (bad cluster signature)"),
      // The owner holds a low-latency request three segment durations at most (live_channel.cpp).
      .hold_limit = live::hold_limit(live.options().channel.segment_seconds)});
  // Numbering continues across owners (cluster/numbering.hpp): recorded every second.
  numbering_ = std::make_unique<ClusterNumbering>(db, auth_.node(), *keeper_, live, ttl, log);
  every_second("numbering", [this] { numbering_->record_all(); });
  // Other nodes' live channels and the viewers of all nodes (cluster/cluster_state.hpp).
  state_sync_ = std::make_unique<ClusterStateSync>(
      db, auth_.node(), live, [this](const std::string& channel) { return keeper_->owns(channel); });
  front_->set_relay_viewers(&state_sync_->relay_viewers());
  every_second("live channels and viewers", [this] { state_sync_->refresh(); });
  // /vod/<video>/… of a video stored on another node is pulled from it. Where
  // a video is stored never changes, so the lookup is kept longer.
  video_holders_ = std::make_unique<cluster::OwnerDirectory>(
      [this](const std::string& video) {
        std::optional<cluster::Owner> holder;
        if (auto stored = catalog::ClusterNodeRepository(db_).stored_on(video)) {
          holder = cluster::Owner{stored->node, stored->internal_url, 0};
        }
        return holder;
      },
      std::chrono::seconds(5));
  front_->serve_vod_from(*video_holders_);
  // The segment in progress of a low-latency channel goes on part by part
  // (the owner may hold between parts up to hold_limit).
  const auto hold_limit = live::hold_limit(live.options().channel.segment_seconds);
  segment_relay_ = std::make_unique<cluster::SegmentRelay>(
      ioc, auth_, *pulls_, log, cluster::SegmentRelayOptions{.idle_timeout = hold_limit + std::chrono::seconds(3)},
      counters, auth_.node());
  front_->relay_segments_with(*segment_relay_);
  if (!config.has_role("storage")) front_->refuse_uploads();
  if (!config.has_role("serve")) front_->refuse_viewers();
}

ClusterNode::~ClusterNode() {
  stop();
}

void ClusterNode::every_second(std::string name, std::function<void()> refresh) {
  refreshers_.emplace_back(std::move(name), std::move(refresh));
}

void ClusterNode::schedule_refresh() {
  refresh_timer_.expires_after(std::chrono::seconds(1));
  refresh_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    for (auto& [name, refresh] : refreshers_) {
      try {
        refresh();
      } catch (const std::exception& e) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_refresh_error_log_ >= std::chrono::minutes(1)) {
          last_refresh_error_log_ = now;
          log_.warn("cluster", "refresh failed what={} error=\"{}\" (retried every second, logged once a minute)", name,
                    e.what());
        }
      }
    }
    schedule_refresh();
  });
}

void ClusterNode::start(const std::string& internal_url) {
  internal_url_ = internal_url;
  // The registry says where each node is (a video's files are fetched from
  // the node storing them): this node's row now, then every few seconds.
  const auto register_node = [this] {
    catalog::ClusterNodeRepository(db_).upsert(config_.node, internal_url_,
                                               fmt::format("{}", fmt::join(config_.roles, ",")), core::unix_now_ms());
  };
  register_node();
  every_second("node registry", [register_node, tick = 0]() mutable {
    if (++tick % 3 == 0) register_node();
  });
  keeper_->start();
  schedule_refresh();
  log_.info("cluster", "node={} internal_url={} roles={} lease_seconds={}", config_.node, internal_url_,
            fmt::join(config_.roles, ","), config_.lease_seconds);
}

void ClusterNode::stop() {
  stopped_ = true;
  refresh_timer_.cancel();
  if (keeper_) keeper_->stop();
  if (segment_relay_) segment_relay_->stop();  // fetches in flight would run up to a minute
}

void check_cluster_agreement(catalog::Database& db, const std::string& signing_key, const std::string& secret) {
  const std::pair<const char*, std::string> settings[] = {
      {"signing_key_sha256", core::sha256_hex(signing_key)},
      {"secret_sha256", core::sha256_hex(secret)},
  };
  for (const auto& [name, value] : settings) {
    db.prepare("INSERT INTO cluster_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
        .bind_all(std::string_view(name), value)
        .run();
    auto stored = db.prepare("SELECT value FROM cluster_settings WHERE name = ?");
    stored.bind(1, std::string_view(name));
    if (stored.step() && stored.column_text(0) != value) {
      const bool key = std::string_view(name) == "signing_key_sha256";
      throw std::runtime_error(fmt::format(
          "{}: this node's file differs from the one the cluster uses (fingerprint {}… here, {}… in the catalog); "
          "copy the file from another node",
          key ? "cluster.signing_key_file" : "cluster.secret_file", value.substr(0, 12),
          stored.column_text(0).substr(0, 12)));
    }
  }
}

}  // namespace tidecast::app

#pragma once
// The front of a cluster node's HTTP handling, in front of the router:
// - /internal/v1/… are calls from other nodes: refused without a valid
//   cluster signature, otherwise answered from this node alone (never relayed
//   on, so two nodes can never bounce a request between them);
// - /live/<channel>/… of a channel another node owns (its lease holder) is
//   pulled from that owner through the pull cache, so any node serves any
//   channel and each object crosses the network once per node;
// - /vod/<video>/… of a video whose files another node stores (videos.stored_on)
//   is pulled from that node the same way (serve_vod_from);
// - uploads reach only storage nodes (HAProxy routes them there): another
//   node refuses them with 421 rather than relaying a large body (refuse_uploads);
// - every answer says which node served it (X-Served-By).
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "cluster/cluster_auth.hpp"
#include "cluster/cluster_state.hpp"
#include "cluster/owner_directory.hpp"
#include "cluster/pull_cache.hpp"
#include "cluster/segment_relay.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/server.hpp"

namespace tidecast::cluster {

inline constexpr std::string_view kInternalPrefix = "/internal/v1";

class NodeFront {
 public:
  struct Deps {
    const ClusterAuth& auth;
    OwnerDirectory& owners;
    PullCache& pulls;
    std::function<bool(const std::string& channel)> live_here;
    http::RequestHandler next;  // this node's own routes
    core::Logger& log;
    core::Counter* refused = nullptr;  // internal calls refused
    // How long an owner holds a low-latency request (live::HoldOptions::timeout).
    std::chrono::milliseconds hold_limit{6000};
  };

  explicit NodeFront(Deps deps) : d_(std::move(deps)) {}

  http::Response handle(const http::Request& request, const http::ClientInfo& client);
  // Counts the viewers of channels this node relays (set once, before serving).
  void set_relay_viewers(RelayViewers* viewers) { relay_viewers_ = viewers; }

  // Set up before the node serves (not thread-safe afterwards).
  void serve_vod_from(OwnerDirectory& holders) { holders_ = &holders; }
  // A live segment the owner may still be making is relayed part by part
  // (low-latency DASH) rather than whole through the pull cache.
  void relay_segments_with(SegmentRelay& relay) { segment_relay_ = &relay; }
  // The storage node's internal routes (/internal/v1/storage/…), after the signature check.
  void set_storage_api(http::RequestHandler api) { storage_api_ = std::move(api); }
  void refuse_uploads() { refuse_uploads_ = true; }
  // No serve role: only internal calls and health/ready/metrics are answered.
  void refuse_viewers() { refuse_viewers_ = true; }

 private:
  http::Response internal_call(const http::Request& request, const http::ClientInfo& client);
  void log_refusal(const http::ClientInfo& client, const std::string& node, const std::string& why);

  Deps d_;
  RelayViewers* relay_viewers_ = nullptr;
  OwnerDirectory* holders_ = nullptr;
  SegmentRelay* segment_relay_ = nullptr;
  http::RequestHandler storage_api_;
  bool refuse_uploads_ = false;
  bool refuse_viewers_ = false;
  std::mutex log_mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point, std::less<>> last_refusal_log_;
};

// "/live/<channel>/…" → "<channel>"; "" for anything else.
std::string live_channel_of(std::string_view target);
// "/vod/<video>/…" → "<video>"; "" for anything else.
std::string vod_video_of(std::string_view target);
// Uploads: tus under /api/v1/uploads and plain POST /api/v1/videos.
bool is_upload_request(http::Verb method, std::string_view target);
// 421 for an upload that reached a node without the storage role.
http::Response not_storage_response(std::string_view node);

}  // namespace tidecast::cluster

#include "cluster/node_front.hpp"

#include "cluster/live_pull.hpp"
#include "core/clock.hpp"

namespace tidecast::cluster {

std::string live_channel_of(std::string_view target) {
  constexpr std::string_view kLive = "/live/";
  if (!target.starts_with(kLive)) return {};
  target.remove_prefix(kLive.size());
  const std::size_t slash = target.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {};
  return std::string(target.substr(0, slash));
}

std::string vod_video_of(std::string_view target) {
  constexpr std::string_view kVod = "/vod/";
  if (!target.starts_with(kVod)) return {};
  target.remove_prefix(kVod.size());
  const std::size_t slash = target.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {};
  return std::string(target.substr(0, slash));
}

bool is_upload_request(http::Verb method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/api/v1/uploads" || path.starts_with("/api/v1/uploads/")) return method != http::Verb::options;
  return path == "/api/v1/videos" && method == http::Verb::post;
}

http::Response not_storage_response(std::string_view node) {
  http::Response res = http::make_json_error(
      http::Status::misdirected_request, "not_storage",
      "this node does not store uploads; send uploads to a storage node (the load balancer routes /api/v1/uploads "
      "and POST /api/v1/videos there)");
  res.set("X-Served-By", node);
  return res;
}

namespace {

// What a node without the serve role still answers: its load balancer's and
// its operator's checks.
bool is_operations_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  return target == "/api/v1/health" || target == "/api/v1/ready" || target == "/metrics";
}

http::Response not_serving_response(std::string_view node) {
  http::Response res = http::make_json_error(
      http::Status::misdirected_request, "not_serving",
      "this node does not serve viewers (no serve role); reach the cluster through its load balancer");
  res.set("X-Served-By", node);
  return res;
}

}  // namespace

http::Response NodeFront::handle(const http::Request& request, const http::ClientInfo& client) {
  const std::string_view target = request.target();
  http::Response response;
  if (target.starts_with("/internal/")) {
    response = internal_call(request, client);
  } else if (refuse_viewers_ && !is_operations_path(target)) {
    return not_serving_response(d_.auth.node());
  } else if (const std::string channel = live_channel_of(target);
             !channel.empty() && (request.method() == http::Verb::get || request.method() == http::Verb::head) &&
             !d_.live_here(channel)) {
    const auto owner = d_.owners.owner_of(channel);
    if (owner && owner->node != d_.auth.node()) {
      // Only the low-latency query goes up (live_pull.hpp): it is part of the
      // key, and a blocking request may be held by the owner, so its fetch waits longer.
      const auto pull = live_pull_of(target, d_.hold_limit);
      if (!pull) {
        http::Response res = http::make_json_error(http::Status::bad_request, "bad_blocking_request",
                                                   "_HLS_msn and _HLS_part must be numbers, _HLS_skip YES or v2");
        res.set("X-Served-By", d_.auth.node());
        return res;
      }
      const std::string_view path = target.substr(0, target.find('?'));
      if (relay_viewers_ && (path.ends_with("/master.m3u8") || path.ends_with("/manifest.mpd"))) {
        relay_viewers_->note(channel, client.address);
      }
      if (pull->streamable && segment_relay_) {
        return segment_relay_->serve(request, owner->url, std::string(kInternalPrefix) + pull->target, pull->target,
                                     pull->timeout);
      }
      return d_.pulls.serve(request, owner->url, std::string(kInternalPrefix) + pull->target, pull->target,
                            pull->timeout);
    }
    response = d_.next(request, client);
  } else if (const std::string video = holders_ ? vod_video_of(target) : std::string();
             !video.empty() && (request.method() == http::Verb::get || request.method() == http::Verb::head)) {
    const auto holder = holders_->owner_of(video);
    if (holder && holder->node != d_.auth.node()) {
      if (holder->url.empty()) {
        http::Response res = http::make_json_error(http::Status::service_unavailable, "storage_unknown",
                                                   "the node storing this video has not registered its address");
        res.set(http::beast_http::field::retry_after, "5");
        res.set("X-Served-By", d_.auth.node());
        return res;
      }
      // The path goes up whole (a private video's signed segment is checked
      // by the holder, with the key every node shares); the query does not.
      const std::string_view path = target.substr(0, target.find('?'));
      return d_.pulls.serve(request, holder->url, std::string(kInternalPrefix) + std::string(path), std::string(path));
    }
    response = d_.next(request, client);
  } else if (refuse_uploads_ && is_upload_request(request.method(), target)) {
    response = not_storage_response(d_.auth.node());
  } else {
    response = d_.next(request, client);
  }
  if (!response.body().deferred) response.set("X-Served-By", d_.auth.node());
  return response;
}

http::Response NodeFront::internal_call(const http::Request& request, const http::ClientInfo& client) {
  const std::string_view target = request.target();
  if (!target.starts_with(std::string(kInternalPrefix) + "/")) {
    return http::make_json_error(http::Status::not_found, "not_found", "no internal route");
  }
  const auto verified =
      d_.auth.verify(request[kClusterHeader], request.method_string(), target, core::unix_now_ms() / 1000);
  if (!verified.ok()) {
    if (d_.refused) d_.refused->inc();
    log_refusal(client, verified.node, verified.error);
    return http::make_json_error(http::Status::forbidden, "cluster_auth", verified.error);
  }
  if (storage_api_ && target.starts_with(std::string(kInternalPrefix) + "/storage/")) {
    return storage_api_(request, client);
  }
  http::Request inner = request;
  inner.target(target.substr(kInternalPrefix.size()));
  // Another node relaying its viewers: not a viewer here (it counts them itself).
  http::ClientInfo relay = client;
  relay.address.clear();
  return d_.next(inner, relay);
}

void NodeFront::log_refusal(const http::ClientInfo& client, const std::string& node, const std::string& why) {
  const std::string key = client.address + " " + why;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(log_mutex_);
    auto& last = last_refusal_log_[key];
    if (last != std::chrono::steady_clock::time_point{} && now - last < std::chrono::minutes(1)) return;
    last = now;
    if (last_refusal_log_.size() > 1000) last_refusal_log_.clear();
  }
  d_.log.warn("cluster", "refused internal call remote={} node={} reason=\"{}\" (logged once a minute)", client.address,
              node.empty() ? "-" : node, why);
}

}  // namespace tidecast::cluster

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>

#include "api/routes.hpp"
#include "core/clock.hpp"

namespace tidecast::api {

nlohmann::json with_ingest_urls(nlohmann::json out, const ServerInfo& info) {
  if (!info.ingest_urls) return out;
  const IngestUrls urls = info.ingest_urls();
  out["rtmp_url"] = urls.rtmp;
  if (!urls.rtmps.empty()) out["rtmps_url"] = urls.rtmps;
  return out;
}

void add_system_routes(http::Router& router, ServerInfo info) {
  router.add(http::Verb::get, "/api/v1/health", [version = info.version](const http::Request&, const http::RouteContext&) {
    return http::make_json(http::Status::ok, {{"status", "ok"}, {"version", version}});
  });
  router.add(http::Verb::get, "/api/v1/ready", [check = info.not_ready_reason](const http::Request&,
                                                                              const http::RouteContext&) {
    const std::string reason = check ? check() : std::string();
    if (!reason.empty()) {
      return http::make_json(http::Status::service_unavailable, {{"status", "not_ready"}, {"reason", reason}});
    }
    return http::make_json(http::Status::ok, {{"status", "ready"}});
  });
  // The ingest URLs are public: the go-live page shows them next to a channel's key.
  router.add(http::Verb::get, "/api/v1/version", [info](const http::Request&, const http::RouteContext&) {
    return http::make_json(http::Status::ok, with_ingest_urls({{"name", "tidecast"}, {"version", info.version}}, info));
  });
  router.add(http::Verb::get, "/api/v1/time", [](const http::Request&, const http::RouteContext&) {
    http::Response res = http::make_text(http::Status::ok, core::iso8601_utc_ms(core::unix_now_ms()));
    res.set(http::beast_http::field::cache_control, "no-store");
    res.set(http::beast_http::field::access_control_allow_origin, "*");
    return res;
  });
}

void add_metrics_route(http::Router& router, const core::Metrics& metrics) {
  router.add(http::Verb::get, "/metrics", [&metrics](const http::Request&, const http::RouteContext&) {
    http::Response res = http::make_text(http::Status::ok, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    res.set(http::beast_http::field::cache_control, "no-store");
    return res;
  });
}

}  // namespace tidecast::api

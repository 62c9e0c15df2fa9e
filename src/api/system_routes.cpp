#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>

#include "api/routes.hpp"

namespace tidecast::api {

namespace {

// ISO 8601 UTC with milliseconds: the format DASH UTCTiming http-iso expects.
std::string iso_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{}.{:03}Z", text, millis);
}

}  // namespace

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
  router.add(http::Verb::get, "/api/v1/version", [version = info.version](const http::Request&, const http::RouteContext&) {
    return http::make_json(http::Status::ok, {{"name", "tidecast"}, {"version", version}});
  });
  router.add(http::Verb::get, "/api/v1/time", [](const http::Request&, const http::RouteContext&) {
    http::Response res = http::make_text(http::Status::ok, iso_now());
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

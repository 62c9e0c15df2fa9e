#include "api/channel_latency.hpp"

namespace tidecast::api {

std::variant<LatencyModeField, http::Response> latency_mode_field(const nlohmann::json& body) {
  const auto it = body.find("latency_mode");
  if (it == body.end()) return LatencyModeField{};
  if (it->is_null()) return LatencyModeField{std::optional<std::string>{}};
  if (it->is_string() && (*it == "normal" || *it == "low")) {
    return LatencyModeField{std::optional<std::string>{it->get<std::string>()}};
  }
  return http::make_json_error(http::Status::bad_request, "bad_field",
                               "\"latency_mode\" must be \"normal\", \"low\" or null (the server's)");
}

}  // namespace tidecast::api

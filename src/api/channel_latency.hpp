#pragma once
// "latency_mode" in a channel PATCH: "normal", "low", or null (the server's
// live.latency_mode), used from the channel's next publish on.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

#include "http/message.hpp"

namespace tidecast::api {

// Outer nullopt: the body does not set it; inner nullopt: back to the server's.
using LatencyModeField = std::optional<std::optional<std::string>>;

// The field, or a 400 for anything else.
std::variant<LatencyModeField, http::Response> latency_mode_field(const nlohmann::json& body);

}  // namespace tidecast::api

#pragma once
// Parses a JSON request body, or produces the 400/415 the client should get.
#include <nlohmann/json.hpp>

#include <optional>
#include <variant>

#include "http/message.hpp"

namespace tidecast::api {

// Either the parsed object or the error response to send back.
std::variant<nlohmann::json, http::Response> parse_json_object(const http::Request& request);

// A string field: absent -> fallback; wrong type -> nullopt.
std::optional<std::string> string_field(const nlohmann::json& object, const char* key, std::string fallback = {});

}  // namespace tidecast::api

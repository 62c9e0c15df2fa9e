#include "api/json_body.hpp"

namespace tidecast::api {

std::variant<nlohmann::json, http::Response> parse_json_object(const http::Request& request) {
  const auto type = request[http::beast_http::field::content_type];
  if (!type.empty() && !type.starts_with("application/json")) {
    return http::make_json_error(http::Status::unsupported_media_type, "unsupported_media_type",
                                 "send the body as application/json");
  }
  nlohmann::json body = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return http::make_json_error(http::Status::bad_request, "bad_json", "the request body is not valid JSON");
  }
  if (!body.is_object()) {
    return http::make_json_error(http::Status::bad_request, "bad_json", "the request body must be a JSON object");
  }
  return body;
}

std::optional<std::string> string_field(const nlohmann::json& object, const char* key, std::string fallback) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace tidecast::api

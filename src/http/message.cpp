#include "http/message.hpp"

#include <nlohmann/json.hpp>

namespace tidecast::http {

Response make_response(Status status, BytesBody::value_type body, std::string_view content_type) {
  Response res{status, 11};
  res.set(beast_http::field::content_type, content_type);
  res.body() = std::move(body);
  res.content_length(BytesBody::size(res.body()));
  return res;
}

Response make_text(Status status, std::string text, std::string_view content_type) {
  return make_response(status, bytes_of(std::move(text)), content_type);
}

Response make_json(Status status, const nlohmann::json& value) {
  Response res = make_text(status, value.dump() + "\n", "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  return res;
}

Response make_json_error(Status status, std::string_view code, std::string_view message) {
  return make_json(status, {{"error", {{"code", code}, {"message", message}}}});
}

}  // namespace tidecast::http

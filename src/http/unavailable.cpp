#include "http/unavailable.hpp"

namespace tidecast::http {

Response make_unavailable(std::string_view code, std::string_view message, std::string_view retry_after) {
  Response res = make_json_error(Status::service_unavailable, code, message);
  res.set(beast_http::field::retry_after, retry_after);
  res.set(beast_http::field::cache_control, "no-store");
  return res;
}

}  // namespace tidecast::http

#include "api/auth.hpp"

#include <boost/beast/core/string.hpp>

namespace tidecast::api {

std::optional<catalog::ApiToken> bearer_token(const http::RequestHead& head, catalog::TokenRepository& tokens) {
  std::string_view value = head[http::beast_http::field::authorization];
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !boost::beast::iequals(value.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return tokens.verify(value);
}

http::Response unauthorized() {
  http::Response res =
      http::make_json_error(http::Status::unauthorized, "unauthorized",
                            "send an API token: Authorization: Bearer <token> (tidecast token add NAME)");
  res.set(http::beast_http::field::www_authenticate, "Bearer realm=\"tidecast\"");
  res.set(http::beast_http::field::access_control_allow_origin, "*");
  return res;
}

}  // namespace tidecast::api

#include "api/auth.hpp"

#include "http/ascii.hpp"

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "http/cookie.hpp"

namespace tidecast::api {

namespace {

// The token of an `Authorization: Bearer <token>` header; nullopt when there
// is no such header, an empty string when it is malformed.
std::optional<std::string_view> bearer(const http::RequestHead& head) {
  const auto it = head.find(http::beast_http::field::authorization);
  if (it == head.end()) return std::nullopt;
  std::string_view value = it->value();
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !http::iequals(value.substr(0, kScheme.size()), kScheme)) {
    return std::string_view{};
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

}  // namespace

bool is_state_changing(http::Verb method) {
  return method == http::Verb::post || method == http::Verb::put || method == http::Verb::patch ||
         method == http::Verb::delete_;
}

std::optional<std::string> Authenticator::session_secret(const http::RequestHead& head) {
  // A client may split its cookies over several Cookie headers.
  const auto [first, last] = head.equal_range(http::beast_http::field::cookie);
  for (auto it = first; it != last; ++it) {
    if (const auto value = http::find_cookie(it->value(), kSessionCookie); value && !value->empty()) {
      return std::string(*value);
    }
  }
  return std::nullopt;
}

std::optional<Principal> Authenticator::resolve(const http::RequestHead& head) const {
  if (const auto token_text = bearer(head)) {
    if (token_text->empty()) return std::nullopt;
    const auto token = tokens_.verify(*token_text);
    if (!token) return std::nullopt;
    Principal p;
    p.via = Principal::Via::token;
    p.token_id = token->id;
    if (!token->user_id) {
      p.name = "token:" + token->name;
      p.role = catalog::Role::admin;
      return p;
    }
    const auto user = users_.find(*token->user_id);
    if (!user) return std::nullopt;
    p.user_id = user->id;
    p.name = user->name;
    p.role = user->role;
    return p;
  }
  const auto secret = session_secret(head);
  if (!secret) return std::nullopt;
  const auto session = sessions_.find(*secret, core::unix_now_ms() / 1000);
  if (!session) return std::nullopt;
  Principal p;
  p.via = Principal::Via::session;
  p.user_id = session->user.id;
  p.name = session->user.name;
  p.role = session->user.role;
  p.csrf_token = session->csrf_token;
  return p;
}

std::variant<Principal, http::Response> Authenticator::require(const http::RequestHead& head) const {
  auto principal = resolve(head);
  if (!principal) return unauthorized();
  if (principal->via == Principal::Via::session && is_state_changing(head.method())) {
    const auto it = head.find(kCsrfHeader);
    if (it == head.end() || !core::constant_time_equal(it->value(), principal->csrf_token)) {
      return http::make_json_error(http::Status::forbidden, "csrf",
                                   "send the session's csrf_token in the X-CSRF-Token header");
    }
  }
  return std::move(*principal);
}

http::Response unauthorized() {
  http::Response res =
      http::make_json_error(http::Status::unauthorized, "unauthorized",
                            "sign in (POST /api/v1/session) or send an API token: Authorization: Bearer <token>");
  res.set(http::beast_http::field::www_authenticate, "Bearer realm=\"tidecast\"");
  res.set(http::beast_http::field::access_control_allow_origin, "*");
  return res;
}

http::Response forbidden(std::string_view message) {
  return http::make_json_error(http::Status::forbidden, "forbidden", message);
}

}  // namespace tidecast::api

#pragma once
// Who is asking: the one Principal resolver every route uses. A request is
// authenticated either by the session cookie (`tidecast_session`, from
// POST /api/v1/session) or by an API token (`Authorization: Bearer <token>`).
// A bearer header wins: when it is present but invalid, the request is
// anonymous (no fallback to the cookie). State-changing requests (POST, PUT,
// PATCH, DELETE) authenticated by the cookie must carry the session's
// X-CSRF-Token; token requests are exempt (a browser never sends them by itself).
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "catalog/session_repository.hpp"
#include "catalog/token_repository.hpp"
#include "catalog/user_repository.hpp"
#include "http/body_sink.hpp"
#include "http/message.hpp"

namespace tidecast::api {

inline constexpr std::string_view kSessionCookie = "tidecast_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

struct Principal {
  enum class Via { session, token };
  std::optional<std::int64_t> user_id;  // nullopt: a command-line token (admin rights, owns nothing)
  std::string name;                     // user name, or "token:<name>" for a command-line token
  catalog::Role role = catalog::Role::artist;
  Via via = Via::token;
  std::optional<std::int64_t> token_id;  // set when via == token
  std::string csrf_token;                // set when via == session

  bool admin() const { return role == catalog::Role::admin; }
  // May change or delete something owned by `owner` (nullopt: admin-owned).
  bool may_manage(std::optional<std::int64_t> owner) const {
    return admin() || (owner && user_id && *owner == *user_id);
  }
};

class Authenticator {
 public:
  Authenticator(catalog::UserRepository& users, catalog::SessionRepository& sessions, catalog::TokenRepository& tokens)
      : users_(users), sessions_(sessions), tokens_(tokens) {}

  // The caller, or nullopt for anonymous requests. No CSRF check (use for reads).
  std::optional<Principal> resolve(const http::RequestHead& head) const;
  // The caller, or the response to send: 401 when anonymous, 403 `csrf` when a
  // cookie-authenticated state-changing request lacks the right X-CSRF-Token.
  std::variant<Principal, http::Response> require(const http::RequestHead& head) const;
  // The raw session cookie value of a request, if any.
  static std::optional<std::string> session_secret(const http::RequestHead& head);

  catalog::UserRepository& users() const { return users_; }
  catalog::SessionRepository& sessions() const { return sessions_; }
  catalog::TokenRepository& tokens() const { return tokens_; }

 private:
  catalog::UserRepository& users_;
  catalog::SessionRepository& sessions_;
  catalog::TokenRepository& tokens_;
};

// 401 with `WWW-Authenticate: Bearer` and code "unauthorized".
http::Response unauthorized();
// 403 code "forbidden".
http::Response forbidden(std::string_view message);
// Whether the method changes state (and so needs CSRF protection).
bool is_state_changing(http::Verb method);

}  // namespace tidecast::api

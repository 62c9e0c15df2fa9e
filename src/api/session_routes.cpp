// Browser sign-in: POST/GET/DELETE /api/v1/session.
#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/json_body.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "core/password.hpp"
#include "core/rate_limiter.hpp"
#include "http/cookie.hpp"

namespace tidecast::api {

namespace {

using http::Status;
using field = http::beast_http::field;

constexpr std::size_t kMaxNameBytes = 64;

struct SessionState {
  SessionState(const Authenticator& a, core::Logger& l, SessionOptions o)
      : auth(a), log(l), options(o), limiter(o.login_attempts_per_minute) {}

  const Authenticator& auth;
  core::Logger& log;
  SessionOptions options;
  core::RateLimiter limiter;
  LoginLimiter shared_limiter;  // a cluster's (the catalog's) instead of `limiter`
  std::once_flag dummy_once;
  std::string dummy_hash;  // verified against for unknown names, so they take as long as wrong passwords

  const std::string& dummy() {
    std::call_once(dummy_once, [this] { dummy_hash = core::hash_password(core::generate_password()); });
    return dummy_hash;
  }
};

nlohmann::json principal_json(const Principal& p) {
  nlohmann::json out = {{"user",
                         {{"id", p.user_id ? nlohmann::json(*p.user_id) : nlohmann::json(nullptr)},
                          {"name", p.name},
                          {"role", catalog::to_string(p.role)}}}};
  if (p.via == Principal::Via::session) out["csrf_token"] = p.csrf_token;
  return out;
}

http::Response invalid_credentials() {
  return http::make_json_error(Status::unauthorized, "invalid_credentials", "wrong user name or password");
}

http::Response login(SessionState& state, const http::Request& request, const http::RouteContext& context) {
  if (!request[field::content_type].starts_with("application/json")) {
    // Also keeps cross-site forms from logging a browser into another account.
    return http::make_json_error(Status::unsupported_media_type, "unsupported_media_type",
                                 "send {\"username\",\"password\"} as application/json");
  }
  // Behind a trusted proxy, the forwarded client (http/client_origin.hpp).
  const std::string& client = context.client.address;
  const std::int64_t wait =
      state.shared_limiter ? state.shared_limiter(client) : state.limiter.attempt(client, core::unix_now_ms());
  if (wait > 0) {
    state.log.warn("accounts", "login rate limited remote={:?}", client);
    http::Response res = http::make_json_error(Status::too_many_requests, "rate_limited",
                                               fmt::format("too many login attempts; try again in {} s", wait));
    res.set(field::retry_after, std::to_string(wait));
    return res;
  }
  auto parsed = parse_json_object(request);
  if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
  const auto& body = std::get<nlohmann::json>(parsed);
  const auto name = string_field(body, "username");
  const auto password = string_field(body, "password");
  if (!name || !password || name->empty() || name->size() > kMaxNameBytes ||
      password->size() > core::kMaxPasswordBytes) {
    return http::make_json_error(Status::bad_request, "bad_field",
                                 "\"username\" and \"password\" must be strings (name up to 64 bytes)");
  }
  const auto credentials = state.auth.users().credentials(*name);
  const bool ok = core::verify_password(credentials ? credentials->second : state.dummy(), *password);
  if (!credentials || !ok) {
    state.log.info("accounts", "login failed user={:?} remote={:?}", *name, client);
    return invalid_credentials();
  }
  const auto now = core::unix_now_ms() / 1000;
  const auto created = state.auth.sessions().create(credentials->first, state.options.lifetime_seconds, now);
  state.log.info("accounts", "login user={} role={} remote={:?}", credentials->first.name,
                 catalog::to_string(credentials->first.role), client);
  state.auth.sessions().remove_expired(now);
  Principal p;
  p.via = Principal::Via::session;
  p.user_id = credentials->first.id;
  p.name = credentials->first.name;
  p.role = credentials->first.role;
  p.csrf_token = created.session.csrf_token;
  http::Response res = http::make_json(Status::ok, principal_json(p));
  res.set(field::set_cookie, http::set_cookie_value(kSessionCookie, created.secret,
                                                    {state.options.lifetime_seconds, context.client.secure}));
  return res;
}

}  // namespace

void add_session_routes(http::Router& router, const Authenticator& auth, core::Logger& log, SessionOptions options) {
  add_session_routes(router, auth, log, options, {});
}

void add_session_routes(http::Router& router, const Authenticator& auth, core::Logger& log, SessionOptions options,
                        LoginLimiter shared_limiter) {
  auto state = std::make_shared<SessionState>(auth, log, options);
  state->shared_limiter = std::move(shared_limiter);

  router.add(http::Verb::post, "/api/v1/session",
             [state](const http::Request& request, const http::RouteContext& context) {
               return login(*state, request, context);
             });
  router.add(http::Verb::get, "/api/v1/session", [state](const http::Request& request, const http::RouteContext&) {
    const auto principal = state->auth.resolve(request);
    if (!principal) return http::make_json_error(Status::unauthorized, "unauthenticated", "not signed in");
    return http::make_json(Status::ok, principal_json(*principal));
  });
  router.add(http::Verb::delete_, "/api/v1/session",
             [state](const http::Request& request, const http::RouteContext& context) {
               const auto secret = Authenticator::session_secret(request);
               if (secret && state->auth.resolve(request)) {
                 auto checked = state->auth.require(request);  // CSRF: a logout is a state change too
                 if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
                 const auto& principal = std::get<Principal>(checked);
                 if (principal.via == Principal::Via::session) {
                   state->auth.sessions().remove(*secret);
                   state->log.info("accounts", "logout user={} remote={}", principal.name, context.client.address);
                 }
               }
               http::Response res{Status::no_content, 11};
               res.set(field::cache_control, "no-store");
               res.set(field::set_cookie, http::set_cookie_value(kSessionCookie, "", {0, context.client.secure}));
               return res;
             });
}

}  // namespace tidecast::api

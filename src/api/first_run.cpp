#include "api/first_run.hpp"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "api/json_body.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/log_throttle.hpp"
#include "core/password.hpp"
#include "http/cookie.hpp"

namespace tidecast::api {

std::optional<std::string> FirstRunSetup::open() {
  const std::lock_guard lock(mutex_);
  if (users_.count() > 0) return std::nullopt;
  if (!token_) token_ = core::random_token(24);
  return token_;
}

bool FirstRunSetup::waiting() {
  const std::lock_guard lock(mutex_);
  return token_.has_value() && users_.count() == 0;
}

FirstRunSetup::Check FirstRunSetup::take(std::string_view token) {
  const std::lock_guard lock(mutex_);
  if (!token_ || users_.count() > 0) {
    token_.reset();  // an admin exists: the link is over for good
    return Check::closed;
  }
  if (!core::constant_time_equal(*token_, token)) return Check::wrong;
  token_.reset();
  return Check::ok;
}

void FirstRunSetup::give_back(std::string token) {
  const std::lock_guard lock(mutex_);
  if (users_.count() == 0) token_ = std::move(token);
}

namespace {

using http::Status;
using field = http::beast_http::field;

struct SetupState {
  FirstRunSetup& setup;
  const Authenticator& auth;
  core::Logger& log;
  SessionOptions options;
  core::LogThrottle refusals;
};

http::Response refuse(SetupState& state, const http::RouteContext& context, Status status, std::string_view code,
                      std::string_view message) {
  if (const auto held = state.refusals.allow(fmt::format("{}|{}", context.client.address, code))) {
    state.log.warn("accounts", "setup refused reason={} remote={:?} refused_since_last_line={}", code,
                   context.client.address, *held);
  }
  return http::make_json_error(status, code, message);
}

http::Response create_admin(SetupState& state, const http::Request& request, const http::RouteContext& context) {
  if (!request[field::content_type].starts_with("application/json")) {
    return http::make_json_error(Status::unsupported_media_type, "unsupported_media_type",
                                 "send {\"token\",\"username\",\"password\"} as application/json");
  }
  auto parsed = parse_json_object(request);
  if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
  const auto& body = std::get<nlohmann::json>(parsed);
  const auto token = string_field(body, "token");
  const auto name = string_field(body, "username");
  const auto password = string_field(body, "password");
  if (!token || !name || !password) {
    return http::make_json_error(Status::bad_request, "bad_field",
                                 "\"token\", \"username\" and \"password\" must be strings");
  }
  if (password->size() < 8 || password->size() > core::kMaxPasswordBytes) {
    return http::make_json_error(Status::bad_request, "weak_password", "the password must have at least 8 characters");
  }
  switch (state.setup.take(*token)) {
    case FirstRunSetup::Check::closed:
      return refuse(state, context, Status::gone, "setup_done",
                    "this server is already set up: sign in with the admin account instead");
    case FirstRunSetup::Check::wrong:
      return refuse(state, context, Status::forbidden, "bad_setup_token",
                    "this setup link is not valid: copy the whole link from the server's log");
    case FirstRunSetup::Check::ok:
      break;
  }
  catalog::User user;
  try {
    user = state.auth.users().create(*name, core::hash_password(*password), catalog::Role::admin);
  } catch (const catalog::InvalidInput& e) {
    state.setup.give_back(*token);
    return http::make_json_error(Status::bad_request, "invalid_user", e.what());
  } catch (const catalog::Conflict& e) {
    state.setup.give_back(*token);
    return http::make_json_error(Status::conflict, "user_exists", e.what());
  }
  state.log.info("accounts", "first admin created through the setup link user={} remote={:?}", user.name,
                 context.client.address);
  const auto created = state.auth.sessions().create(user, state.options.lifetime_seconds, core::unix_now_ms() / 1000);
  http::Response res = http::make_json(
      Status::created, {{"user", {{"id", user.id}, {"name", user.name}, {"role", catalog::to_string(user.role)}}},
                        {"csrf_token", created.session.csrf_token}});
  res.set(field::set_cookie, http::set_cookie_value(kSessionCookie, created.secret,
                                                    {state.options.lifetime_seconds, context.client.secure}));
  return res;
}

}  // namespace

void add_setup_routes(http::Router& router, FirstRunSetup& setup, const Authenticator& auth, core::Logger& log,
                      SessionOptions options) {
  // Built in place: the throttle (a mutex) cannot move.
  auto state = std::shared_ptr<SetupState>(
      new SetupState{.setup = setup, .auth = auth, .log = log, .options = options, .refusals = core::LogThrottle()});
  router.add(http::Verb::get, "/api/v1/setup", [state](const http::Request&, const http::RouteContext&) {
    http::Response res = http::make_json(Status::ok, {{"open", state->setup.waiting()}});
    res.set(field::cache_control, "no-store");
    return res;
  });
  router.add(http::Verb::post, "/api/v1/setup",
             [state](const http::Request& request, const http::RouteContext& context) {
               return create_admin(*state, request, context);
             });
}

}  // namespace tidecast::api

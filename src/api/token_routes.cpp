// A signed-in user's own API tokens: create (shown once), list, revoke.
// Admins see and revoke only their own here too; command-line tokens stay
// with `tidecast token`.
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/json_body.hpp"
#include "api/routes.hpp"

namespace tidecast::api {

namespace {

using http::Status;

nlohmann::json token_json(const catalog::ApiToken& token) {
  return {{"id", token.id},
          {"name", token.name},
          {"created_at", token.created_at},
          {"last_used_at", token.last_used_at ? nlohmann::json(*token.last_used_at) : nlohmann::json(nullptr)}};
}

// Tokens act for a user; a command-line token has none to give.
std::variant<Principal, http::Response> user_principal(const Authenticator& auth, const http::Request& request) {
  auto checked = auth.require(request);
  if (auto* p = std::get_if<Principal>(&checked); p && !p->user_id) {
    return forbidden("command-line tokens are managed with `tidecast token`");
  }
  return checked;
}

}  // namespace

void add_token_routes(http::Router& router, const Authenticator& auth, core::Logger& log) {
  router.add(http::Verb::get, "/api/v1/tokens", [&auth](const http::Request& request, const http::RouteContext&) {
    auto checked = user_principal(auth, request);
    if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& token : auth.tokens().list_for_user(*std::get<Principal>(checked).user_id)) {
      list.push_back(token_json(token));
    }
    return http::make_json(Status::ok, {{"tokens", list}});
  });
  router.add(http::Verb::post, "/api/v1/tokens",
             [&auth, &log](const http::Request& request, const http::RouteContext&) {
               auto checked = user_principal(auth, request);
               if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
               const auto& principal = std::get<Principal>(checked);
               auto parsed = parse_json_object(request);
               if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
               const auto name = string_field(std::get<nlohmann::json>(parsed), "name");
               if (!name) return http::make_json_error(Status::bad_request, "bad_field", "\"name\" must be a string");
               try {
                 const auto created = auth.tokens().create(*name, principal.user_id);
                 log.info("accounts", "token created id={} user={}", created.token.id, principal.name);
                 nlohmann::json out = {{"token", token_json(created.token)}, {"secret", created.secret}};
                 return http::make_json(Status::created, out);
               } catch (const catalog::InvalidInput& e) {
                 return http::make_json_error(Status::bad_request, "invalid_token", e.what());
               } catch (const catalog::Conflict& e) {
                 return http::make_json_error(Status::conflict, "token_exists", e.what());
               }
             });
  router.add(
      http::Verb::delete_, "/api/v1/tokens/{id}",
      [&auth, &log](const http::Request& request, const http::RouteContext& context) {
        auto checked = user_principal(auth, request);
        if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
        const auto& principal = std::get<Principal>(checked);
        const std::string_view text = context.param("id");
        std::int64_t id = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
        // Only the caller's own tokens: anyone else's is "not found".
        if (ec != std::errc() || end != text.data() + text.size() || !auth.tokens().revoke_id(id, principal.user_id)) {
          return http::make_json_error(Status::not_found, "not_found", "no such token");
        }
        log.info("accounts", "token revoked id={} user={}", id, principal.name);
        http::Response res{Status::no_content, 11};
        res.set(http::beast_http::field::cache_control, "no-store");
        return res;
      });
}

}  // namespace tidecast::api

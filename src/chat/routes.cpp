#include "chat/routes.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include "chat/connection.hpp"
#include "chat/relay.hpp"
#include "http/ascii.hpp"

namespace tidecast::chat {

bool same_origin(const http::RequestHead& head, std::string_view host) {
  const auto origin = head[boost::beast::http::field::origin];
  if (origin.empty()) return true;
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || host.empty()) return false;
  return http::iequals(origin.substr(scheme_end + 3), host);
}

namespace {
constexpr std::string_view kInternalPrefixView = "/internal/v1";
const std::string kInternalPrefix(kInternalPrefixView);
std::string path_of(const std::string& channel) {
  return "/api/v1/channels/" + channel + "/chat";
}
}  // namespace

void add_chat_routes(http::Router& router, ChatRouteDeps deps) {
  router.add(
      http::Verb::get, "/api/v1/channels/{channel}/chat",
      [deps](const http::Request& request, const http::RouteContext& context) -> http::Response {
        if (!boost::beast::websocket::is_upgrade(request)) {
          return http::make_json_error(http::Status::upgrade_required, "websocket_required",
                                       "this is a WebSocket endpoint");
        }
        // Another node relaying its viewer (NodeFront checked the signature and
        // cleared the address): the viewer's address comes in a header.
        const bool relayed = context.client.address.empty();
        if (!relayed && !same_origin(request, context.client.host)) {
          return http::make_json_error(http::Status::forbidden, "cross_origin",
                                       "chat connections from other sites are refused");
        }
        const auto viewer = deps.identify(request);
        const auto channel = deps.channel(context.param("channel"), viewer);
        if (!channel) return http::make_json_error(http::Status::not_found, "not_found", "no such channel");
        const RoomPlace place = deps.locator.locate(channel->name);
        if (!place.local) {
          // Relay to the room's node; never a second hop (the nodes disagree for a moment).
          auto headers = relayed || !deps.sign_internal ? std::map<std::string, std::string>{}
                                                        : deps.sign_internal(kInternalPrefix + path_of(channel->name));
          if (!headers.empty()) {
            for (const auto field : {boost::beast::http::field::cookie, boost::beast::http::field::authorization}) {
              if (const auto value = request[field]; !value.empty()) {
                headers[std::string(boost::beast::http::to_string(field))] = std::string(value);
              }
            }
            headers[std::string(kRelayForHeader)] = context.client.address;
            http::Response response;
            response.result(http::Status::switching_protocols);
            response.body().upgrade = std::make_shared<RelayUpgrade>(
                deps.service, place.url, kInternalPrefix + path_of(channel->name), std::move(headers));
            return response;
          }
          auto response = http::make_json_error(http::Status::service_unavailable, "chat_elsewhere",
                                                "this channel's chat is hosted by node " + place.node);
          response.set(boost::beast::http::field::retry_after, "5");
          return response;
        }
        Participant who;
        who.address = relayed ? std::string(request[kRelayForHeader]) : context.client.address;
        if (viewer) {
          who.user_id = viewer->user_id;
          who.name = viewer->name;
          who.moderator = viewer->admin || (viewer->user_id && channel->owner_id == viewer->user_id);
        }
        http::Response response;
        response.result(http::Status::switching_protocols);
        response.body().upgrade = std::make_shared<ChatUpgrade>(deps.service, *channel, std::move(who));
        return response;
      });

  router.add(http::Verb::get, "/api/v1/videos/{id}/chat",
             [deps](const http::Request& request, const http::RouteContext& context) -> http::Response {
               const std::string id(context.param("id"));
               if (auto refusal = deps.video_access(request, id)) return std::move(*refusal);
               auto messages = nlohmann::json::array();
               for (const ChatMessage& message : deps.service.store().replay(id)) {
                 messages.push_back(message_json(message));
               }
               return http::make_json(http::Status::ok, {{"video", id}, {"messages", std::move(messages)}});
             });
}

}  // namespace tidecast::chat

#include "chat/routes.hpp"

#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include "chat/connection.hpp"
#include "http/ascii.hpp"

namespace tidecast::chat {

bool same_origin(const http::RequestHead& head, std::string_view host) {
  const auto origin = head[boost::beast::http::field::origin];
  if (origin.empty()) return true;
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || host.empty()) return false;
  return http::iequals(origin.substr(scheme_end + 3), host);
}

void add_chat_routes(http::Router& router, ChatRouteDeps deps) {
  router.add(http::Verb::get, "/api/v1/channels/{channel}/chat",
             [deps](const http::Request& request, const http::RouteContext& context) -> http::Response {
               if (!boost::beast::websocket::is_upgrade(request)) {
                 return http::make_json_error(http::Status::upgrade_required, "websocket_required",
                                              "this is a WebSocket endpoint");
               }
               if (!same_origin(request, context.client.host)) {
                 return http::make_json_error(http::Status::forbidden, "cross_origin",
                                              "chat connections from other sites are refused");
               }
               const auto viewer = deps.identify(request);
               const auto channel = deps.channel(context.param("channel"), viewer);
               if (!channel) return http::make_json_error(http::Status::not_found, "not_found", "no such channel");
               const RoomPlace place = deps.locator.locate(channel->name);
               if (!place.local) {
                 // The relay to the room's node is not built yet (docs/ARCHITECTURE.md, "Chat").
                 auto response = http::make_json_error(http::Status::service_unavailable, "chat_elsewhere",
                                                       "this channel's chat is hosted by node " + place.node);
                 response.set(boost::beast::http::field::retry_after, "5");
                 return response;
               }
               Participant who;
               who.address = context.client.address;
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

#pragma once
// The chat's HTTP side:
//   GET /api/v1/channels/{channel}/chat   WebSocket upgrade into the channel's room
//   GET /api/v1/videos/{id}/chat          a recording's messages with their stream times
// Who may do what is decided by the composition root's callbacks (accounts,
// channel and video visibility live outside chat/).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "chat/locator.hpp"
#include "chat/service.hpp"
#include "http/router.hpp"

namespace tidecast::chat {

struct Viewer {
  std::optional<std::int64_t> user_id;  // nullopt: anonymous
  std::string name;
  bool admin = false;
};

struct ChatRouteDeps {
  ChatService& service;
  RoomLocator& locator;
  // The caller of a request (session cookie or token), nullopt when anonymous.
  std::function<std::optional<Viewer>(const http::RequestHead&)> identify;
  // The channel, if it exists and `viewer` may watch it.
  std::function<std::optional<ChannelRef>(std::string_view name, const std::optional<Viewer>& viewer)> channel;
  // Whether the request may read the video (null response: yes), else the refusal to send.
  std::function<std::optional<http::Response>(const http::Request&, std::string_view video_id)> video_access;
  // Cluster: the headers that sign an internal GET of `target` (empty: no relay, e.g. a single box).
  std::function<std::map<std::string, std::string>(std::string_view target)> sign_internal;
};

void add_chat_routes(http::Router& router, ChatRouteDeps deps);

// A browser sends cookies with a WebSocket handshake from any site: an
// Origin naming another host than the request's is refused (403). Requests
// without Origin (non-browser clients) pass.
bool same_origin(const http::RequestHead& head, std::string_view host);

}  // namespace tidecast::chat

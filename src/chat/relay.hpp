#pragma once
// A viewer whose channel's room lives on another node of the cluster: this
// node accepts the viewer's WebSocket and opens one to the room's node
// (`/internal/v1/api/v1/channels/<channel>/chat`, signed with the cluster
// secret, the viewer's credentials and address passed along), then passes
// messages through both ways unchanged, one in flight per direction (a slow
// viewer slows only its own relay; the room's node drops it like any member).
// Close codes travel through in both directions; the room's node going away
// closes the viewer with 1012 (service restart) so it reconnects.
#include <map>
#include <memory>
#include <string>

#include "chat/service.hpp"
#include "http/upgrade.hpp"

namespace tidecast::chat {

// The header that carries the viewer's address to the room's node.
inline constexpr std::string_view kRelayForHeader = "X-Tidecast-Relay-For";

class RelayUpgrade : public http::Upgrade {
 public:
  // `url`: the room node's internal URL (http://host:port); `target`: the
  // internal path; `headers`: sent with the handshake (signature, credentials).
  RelayUpgrade(ChatService& service, std::string url, std::string target, std::map<std::string, std::string> headers)
      : service_(service), url_(std::move(url)), target_(std::move(target)), headers_(std::move(headers)) {}

  std::shared_ptr<core::Connection> start(core::PlainStream stream, http::Request request,
                                          std::shared_ptr<void> hold) override;
  std::shared_ptr<core::Connection> start(core::TlsStream stream, http::Request request,
                                          std::shared_ptr<void> hold) override;

 private:
  ChatService& service_;
  std::string url_;
  std::string target_;
  std::map<std::string, std::string> headers_;
};

// "http://host:port" → {host, port}; false for anything else (https, no port).
bool split_http_url(const std::string& url, std::string& host, std::string& port);

}  // namespace tidecast::chat

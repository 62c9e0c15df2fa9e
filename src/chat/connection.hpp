#pragma once
// One viewer's chat WebSocket (Boost.Beast), over plain TCP or TLS: the
// connection an HTTP session handed over (http/upgrade.hpp). Beast's shape:
// everything on the connection's strand, one read loop, one write in flight,
// a bounded queue of shared frames (a member that does not read is dropped
// when it is full, or when one write stalls), Beast's own timeouts and pings.
// Refusals: frames over ChatLimits::max_frame_bytes close with 1009, invalid
// UTF-8 with 1007 (Beast checks text frames), binary frames with 1003, a
// flood of frames with 1008; bad commands get an error message and the
// connection goes on.
#include <memory>

#include "chat/service.hpp"
#include "http/upgrade.hpp"

namespace tidecast::chat {

// What the route decided for one upgrade request: who, which room.
class ChatUpgrade : public http::Upgrade {
 public:
  ChatUpgrade(ChatService& service, ChannelRef channel, Participant who)
      : service_(service), channel_(std::move(channel)), who_(std::move(who)) {}

  std::shared_ptr<core::Connection> start(core::PlainStream stream, http::Request request,
                                          std::shared_ptr<void> hold) override;
  std::shared_ptr<core::Connection> start(core::TlsStream stream, http::Request request,
                                          std::shared_ptr<void> hold) override;

 private:
  ChatService& service_;
  ChannelRef channel_;
  Participant who_;
};

}  // namespace tidecast::chat

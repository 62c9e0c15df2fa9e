#pragma once
// A request that leaves HTTP (a WebSocket upgrade): the handler answers with
// a Response whose body carries an Upgrade, and the session hands its
// connection over instead of writing anything. The protocol that takes it
// (e.g. chat/) lives outside http/, which only passes the stream on.
#include <memory>

#include "core/connection_stream.hpp"
#include "http/message.hpp"

namespace tidecast::http {

class Upgrade {
 public:
  virtual ~Upgrade() = default;
  // Called once, on the connection's strand, with the connection's stream and
  // the request that asked for the upgrade. `hold` keeps the HTTP session's
  // part alive (its place under the connection caps, its TLS context): keep
  // it as long as the connection lives. Returns the connection, which server
  // stop asks to close (null if it never started).
  virtual std::shared_ptr<core::Connection> start(core::PlainStream stream, Request request,
                                                  std::shared_ptr<void> hold) = 0;
  virtual std::shared_ptr<core::Connection> start(core::TlsStream stream, Request request,
                                                  std::shared_ptr<void> hold) = 0;
};

}  // namespace tidecast::http

#pragma once
// What plain and TLS connections of the HTTP and RTMP servers have in common.
// Each server's Session is one template over the stream type, explicitly
// instantiated for PlainStream and TlsStream, so limits, timeouts and
// protocol code are shared; these helpers hold the only differences.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <type_traits>
#include <utility>

#include "core/connection_limiter.hpp"
#include "core/io_pool.hpp"

namespace tidecast::core {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <class Stream>
inline constexpr bool is_tls_stream = std::is_same_v<Stream, TlsStream>;

// `tls` must outlive the stream (sessions keep the shared_ptr); null for plain.
template <class Stream>
Stream open_stream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls) {
  if constexpr (is_tls_stream<Stream>) {
    return Stream(PlainStream(std::move(socket)), *tls);
  } else {
    return Stream(std::move(socket));
  }
}

// A connection as the server's registry sees it.
class Connection {
 public:
  virtual ~Connection() = default;
  // Any thread: the connection closes (at once, or after its current response).
  virtual void request_close() = 0;
};

// Makes a session owned by shared_ptr whose deleter also holds its place under
// the connection caps and its count on its I/O loop, so both free exactly when
// the session is gone (an upgraded connection, e.g. chat, holds the session).
template <class SessionType, class... Args>
std::shared_ptr<SessionType> make_admitted_session(ConnectionLimiter::Slot slot, IoPool::Lease lease, Args&&... args) {
  return std::shared_ptr<SessionType>(
      new SessionType(std::forward<Args>(args)...),
      [slot = std::move(slot), lease = std::move(lease)](SessionType* session) { delete session; });
}

}  // namespace tidecast::core

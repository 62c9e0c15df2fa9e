#pragma once
// Accept loop shared by the HTTP and RTMP servers: binds, accepts on its own
// strand, gives each socket its own strand, and asks a ConnectionLimiter to
// admit it (total and per-address caps; a refused socket is closed at once,
// counted, and logged at most once per address per interval). With the
// PROXY protocol on, the header is read first (core/proxy_preface.hpp) and the
// caps count the client it names, not the proxy.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/connection_limiter.hpp"
#include "core/ip_network.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"

namespace tidecast::core {

// Nagle off (nginx's tcp_nodelay): replies go out as several small sends (an
// HTTP head then a file; RTMP status messages; chat lines), and with Nagle on
// each later one waits for an ACK the peer delays by up to 40 ms. Every
// accepted connection gets it; outgoing ones that send small messages call it.
void disable_nagle(boost::asio::ip::tcp::socket& socket);

// An admitted connection, as its session starts from it.
struct AcceptedConnection {
  boost::asio::ip::tcp::socket socket;
  ConnectionLimiter::Slot slot;           // keep as long as the connection lives (its place under the caps)
  boost::asio::ip::tcp::endpoint client;  // the peer, or the client its PROXY header named
  std::string preread;                    // protocol bytes already read (after a PROXY header)
};

struct ProxyProtocolPolicy {
  TrustedProxies trusted;  // must send a header; everyone else must not
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(10);
  std::function<void()> on_refused;  // every connection closed over its header (metrics); may be empty
};

class TcpAcceptor : public std::enable_shared_from_this<TcpAcceptor> {
 public:
  using OnSocket = std::function<void(AcceptedConnection)>;

  // `component` names the owner in logs ("http", "rtmp").
  TcpAcceptor(boost::asio::io_context& ioc, Logger& log, std::string component,
              std::shared_ptr<ConnectionLimiter> limiter, OnSocket on_socket);

  // Throws std::runtime_error "<component> listen HOST:PORT: <reason>".
  void open(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;
  // Before start(): every connection begins with the PROXY protocol handshake.
  void use_proxy_protocol(ProxyProtocolPolicy policy);
  void start();
  void stop();

 private:
  void accept();
  void admit(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& peer);
  void admit_after_preface(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& peer);

  boost::asio::io_context& ioc_;
  Logger& log_;
  std::string component_;
  std::shared_ptr<ConnectionLimiter> limiter_;
  OnSocket on_socket_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t fd_errors_ = 0;  // consecutive accept failures for lack of descriptors
  std::optional<ProxyProtocolPolicy> proxy_;
  LogThrottle proxy_log_throttle_;  // PROXY header refusals, per peer address
};

}  // namespace tidecast::core

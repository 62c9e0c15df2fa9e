#pragma once
// Accept loop shared by the HTTP and RTMP servers: binds, accepts on its own
// strand, gives each socket its own strand, and asks a ConnectionLimiter to
// admit it (total and per-address caps; a refused socket is closed at once,
// counted, and logged at most once per address per interval).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>

#include "core/connection_limiter.hpp"
#include "core/log.hpp"

namespace tidecast::core {

class TcpAcceptor : public std::enable_shared_from_this<TcpAcceptor> {
 public:
  // The connection must keep `slot` as long as it lives (its place under the caps).
  using OnSocket = std::function<void(boost::asio::ip::tcp::socket, ConnectionLimiter::Slot slot)>;

  // `component` names the owner in logs ("http", "rtmp").
  TcpAcceptor(boost::asio::io_context& ioc, Logger& log, std::string component,
              std::shared_ptr<ConnectionLimiter> limiter, OnSocket on_socket);

  // Throws std::runtime_error "<component> listen HOST:PORT: <reason>".
  void open(const std::string& host, std::uint16_t port);
  std::uint16_t port() const;
  void start();
  void stop();

 private:
  void accept();

  boost::asio::io_context& ioc_;
  Logger& log_;
  std::string component_;
  std::shared_ptr<ConnectionLimiter> limiter_;
  OnSocket on_socket_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t fd_errors_ = 0;  // consecutive accept failures for lack of descriptors
};

}  // namespace tidecast::core

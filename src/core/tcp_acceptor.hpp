#pragma once
// Accept loop shared by the HTTP and RTMP servers: binds, accepts on its own
// strand, gives each socket its own strand, and enforces a connection cap
// (over the cap the socket is closed at once, logged once per burst).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/log.hpp"

namespace tidecast::core {

class TcpAcceptor : public std::enable_shared_from_this<TcpAcceptor> {
 public:
  using OnSocket = std::function<void(boost::asio::ip::tcp::socket)>;

  // `component` names the owner in logs ("http", "rtmp"); `active` is the
  // owner's live connection count, compared with `max_connections`.
  TcpAcceptor(boost::asio::io_context& ioc, Logger& log, std::string component, const std::atomic<std::size_t>& active,
              std::size_t max_connections, OnSocket on_socket);

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
  const std::atomic<std::size_t>& active_;
  std::size_t max_connections_;
  OnSocket on_socket_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t rejected_ = 0;
};

}  // namespace tidecast::core

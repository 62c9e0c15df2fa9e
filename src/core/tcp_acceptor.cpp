#include "core/tcp_acceptor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace tidecast::core {

namespace net = boost::asio;
using tcp = net::ip::tcp;

TcpAcceptor::TcpAcceptor(net::io_context& ioc, Logger& log, std::string component,
                         const std::atomic<std::size_t>& active, std::size_t max_connections, OnSocket on_socket)
    : ioc_(ioc),
      log_(log),
      component_(std::move(component)),
      active_(active),
      max_connections_(max_connections),
      on_socket_(std::move(on_socket)),
      acceptor_(net::make_strand(ioc)) {}

void TcpAcceptor::open(const std::string& host, std::uint16_t port) {
  try {
    const tcp::endpoint endpoint(net::ip::make_address(host), port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(component_ + " listen " + host + ":" + std::to_string(port) + ": " + e.code().message());
  }
}

std::uint16_t TcpAcceptor::port() const { return acceptor_.local_endpoint().port(); }

void TcpAcceptor::start() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void TcpAcceptor::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void TcpAcceptor::accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                               tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      if (self->active_.load() >= self->max_connections_) {
        if (self->rejected_++ == 0) {
          self->log_.warn(self->component_, "connection limit reached max_connections={}", self->max_connections_);
        }
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        self->rejected_ = 0;
        self->on_socket_(std::move(socket));
      }
    }
    self->accept();
  });
}

}  // namespace tidecast::core

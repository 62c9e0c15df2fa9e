#include "core/tcp_acceptor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace tidecast::core {

namespace net = boost::asio;
using tcp = net::ip::tcp;

TcpAcceptor::TcpAcceptor(net::io_context& ioc, Logger& log, std::string component,
                         std::shared_ptr<ConnectionLimiter> limiter, OnSocket on_socket)
    : ioc_(ioc),
      log_(log),
      component_(std::move(component)),
      limiter_(std::move(limiter)),
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
      boost::system::error_code peer_error;
      const tcp::endpoint peer = socket.remote_endpoint(peer_error);
      ConnectionLimiter::Slot slot = peer_error ? nullptr : self->limiter_->admit(peer.address());
      if (slot) {
        self->on_socket_(std::move(socket), std::move(slot));
      } else {
        boost::system::error_code ignored;  // refused (counted and logged by the limiter) or already gone
        socket.close(ignored);
      }
    } else if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space) {
      // Out of file descriptors: back off instead of spinning on the error.
      if (self->fd_errors_++ == 0) {
        self->log_.error(self->component_, "accept failed error=\"{}\" (out of descriptors; retrying)", ec.message());
      }
      auto timer = std::make_shared<net::steady_timer>(self->acceptor_.get_executor(), std::chrono::milliseconds(50));
      timer->async_wait([self, timer](boost::system::error_code) { self->accept(); });
      return;
    }
    if (!ec) self->fd_errors_ = 0;
    self->accept();
  });
}

}  // namespace tidecast::core

#include "core/tcp_acceptor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "core/proxy_preface.hpp"

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

void TcpAcceptor::use_proxy_protocol(ProxyProtocolPolicy policy) {
  proxy_ = std::move(policy);
}

void TcpAcceptor::admit(tcp::socket socket, const tcp::endpoint& client) {
  ConnectionLimiter::Slot slot = limiter_->admit(client.address());
  if (!slot) {
    boost::system::error_code ignored;  // refused: counted and logged by the limiter
    socket.close(ignored);
    return;
  }
  on_socket_(AcceptedConnection{.socket = std::move(socket), .slot = std::move(slot), .client = client, .preread = {}});
}

void TcpAcceptor::admit_after_preface(tcp::socket socket, const tcp::endpoint& peer) {
  // A trusted proxy's connections are admitted once its header names the
  // client (the caps are per client, not per proxy); anyone else's at once,
  // so a flood of them is capped while the first bytes are checked.
  const bool trusted = proxy_->trusted.trusts(peer.address());
  ConnectionLimiter::Slot slot;
  if (!trusted) {
    slot = limiter_->admit(peer.address());
    if (!slot) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
  }
  const auto mode = trusted ? ProxyPreface::Mode::require : ProxyPreface::Mode::refuse;
  ProxyPreface::run(
      std::move(socket), peer, mode, proxy_->timeout,
      [self = shared_from_this(), peer, slot = std::move(slot)](tcp::socket s, PrefaceResult result) mutable {
        if (!result.ok) {
          // The place under the caps frees before the peer sees the close.
          slot.reset();
          boost::system::error_code ignored;
          s.close(ignored);
          if (result.error.empty()) return;  // left without a byte: a port check
          if (self->proxy_->on_refused) self->proxy_->on_refused();
          const auto allowed = self->proxy_log_throttle_.allow(peer.address().to_string());
          if (allowed) {
            self->log_.warn(self->component_, "connection refused reason=\"{}\" peer={} refused_since_last_line={}",
                            result.error, unmapped(peer.address()).to_string(), *allowed);
          }
          return;
        }
        if (!slot) {
          slot = self->limiter_->admit(result.client.address());
          if (!slot) {
            boost::system::error_code ignored;
            s.close(ignored);
            return;
          }
        }
        self->on_socket_(AcceptedConnection{.socket = std::move(s),
                                            .slot = std::move(slot),
                                            .client = result.client,
                                            .preread = std::move(result.preread)});
      });
}

void disable_nagle(tcp::socket& socket) {
  boost::system::error_code ignored;  // best effort: the peer may be gone already
  socket.set_option(tcp::no_delay(true), ignored);
}

void TcpAcceptor::accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                               tcp::socket socket) {
    if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      boost::system::error_code peer_error;
      const tcp::endpoint peer = socket.remote_endpoint(peer_error);
      if (peer_error) {
        boost::system::error_code ignored;  // already gone
        socket.close(ignored);
      } else {
        disable_nagle(socket);
        if (self->proxy_) {
          self->admit_after_preface(std::move(socket), peer);
        } else {
          self->admit(std::move(socket), peer);
        }
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

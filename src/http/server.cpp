#include "http/server.hpp"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "http/session.hpp"

namespace tidecast::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, std::shared_ptr<HttpServer::Shared> shared)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), shared_(std::move(shared)) {}

  void open(const tcp::endpoint& endpoint) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void start() { net::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); }); }
  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                                 tcp::socket socket) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!ec) self->admit(std::move(socket));
      self->accept();
    });
  }

  void admit(tcp::socket socket) {
    if (shared_->connections.load() >= shared_->limits.max_connections) {
      // Counted and logged once per burst rather than per socket.
      if (rejected_++ == 0) {
        shared_->log.warn("http", "connection limit reached max_connections={}", shared_->limits.max_connections);
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    rejected_ = 0;
    std::make_shared<Session>(std::move(socket), shared_)->run();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  std::shared_ptr<HttpServer::Shared> shared_;
  std::size_t rejected_ = 0;
};

HttpServer::HttpServer(net::io_context& ioc, core::Logger& log, ServerLimits limits, RequestHandler handler)
    : ioc_(ioc), shared_(std::make_shared<Shared>(log, limits, std::move(handler))) {}

HttpServer::~HttpServer() = default;

void HttpServer::listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) throw std::runtime_error(fmt::format("http listen {}:{}: invalid address: {}", host, port, ec.message()));
  listener_ = std::make_shared<Listener>(ioc_, shared_);
  try {
    listener_->open(tcp::endpoint(address, port));
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(fmt::format("http listen {}:{}: {}", host, port, e.code().message()));
  }
}

std::uint16_t HttpServer::port() const { return listener_ ? listener_->port() : 0; }

void HttpServer::start() { listener_->start(); }

void HttpServer::stop() {
  shared_->stopping = true;
  if (listener_) listener_->stop();
  std::vector<std::shared_ptr<Session>> alive;
  {
    std::lock_guard lock(shared_->mutex);
    for (auto& [id, weak] : shared_->sessions) {
      if (auto session = weak.lock()) alive.push_back(std::move(session));
    }
  }
  for (auto& session : alive) session->request_close();
}

std::size_t HttpServer::active_connections() const { return shared_->connections.load(); }

}  // namespace tidecast::http

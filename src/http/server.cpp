#include "http/server.hpp"

#include "core/tcp_acceptor.hpp"
#include "http/session.hpp"

namespace tidecast::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpServer::HttpServer(net::io_context& ioc, core::Logger& log, ServerLimits limits, RequestHandler handler,
                       StreamHandler stream)
    : ioc_(ioc),
      shared_(std::make_shared<Shared>(log, limits, std::move(handler), std::move(stream))),
      limiter_(std::make_shared<core::ConnectionLimiter>(
          log, "http", core::ConnectionLimits{limits.max_connections, limits.max_connections_per_ip})) {
  limiter_->on_refused([shared = std::weak_ptr<Shared>(shared_)](core::Refusal refusal) {
    const auto s = shared.lock();
    if (!s || !s->on_reject) return;
    s->on_reject(refusal == core::Refusal::total ? "connection_limit" : "connection_limit_per_ip");
  });
}

HttpServer::~HttpServer() = default;

void HttpServer::listen(const std::string& host, std::uint16_t port) {
  listener_ = std::make_shared<core::TcpAcceptor>(
      ioc_, shared_->log, "http", limiter_, [shared = shared_](tcp::socket socket, core::ConnectionLimiter::Slot slot) {
        core::make_admitted_session<PlainSession>(std::move(slot), std::move(socket), shared, nullptr)->run();
      });
  listener_->open(host, port);
}

void HttpServer::listen_tls(const std::string& host, std::uint16_t port, std::shared_ptr<core::TlsContext> tls) {
  tls_listener_ = std::make_shared<core::TcpAcceptor>(
      ioc_, shared_->log, "https", limiter_,
      [shared = shared_, tls = std::move(tls)](tcp::socket socket, core::ConnectionLimiter::Slot slot) {
        core::make_admitted_session<TlsSession>(std::move(slot), std::move(socket), shared, tls->current())->run();
      });
  tls_listener_->open(host, port);
}

std::uint16_t HttpServer::port() const { return listener_ ? listener_->port() : 0; }
std::uint16_t HttpServer::tls_port() const { return tls_listener_ ? tls_listener_->port() : 0; }

void HttpServer::on_reject(RejectionCounter counter) { shared_->on_reject = std::move(counter); }

void HttpServer::start() {
  listener_->start();
  if (tls_listener_) tls_listener_->start();
}

void HttpServer::stop() {
  shared_->stopping = true;
  if (listener_) listener_->stop();
  if (tls_listener_) tls_listener_->stop();
  for (auto& session : shared_->sessions.alive()) session->request_close();
}

std::size_t HttpServer::active_connections() const { return shared_->connections.load(); }

}  // namespace tidecast::http

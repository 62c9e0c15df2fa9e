#include "http/server.hpp"

#include "core/tcp_acceptor.hpp"
#include "http/session.hpp"

namespace tidecast::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

HttpServer::HttpServer(net::io_context& ioc, core::IoPool& loops, core::Logger& log, ServerLimits limits,
                       RequestHandler handler, StreamHandler stream)
    : ioc_(ioc),
      loops_(loops),
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
      ioc_, shared_->log, "http", limiter_, [shared = shared_, &loops = loops_](core::AcceptedConnection c) {
        auto lease = loops.next_loop();
        auto socket = lease.adopt(std::move(c.socket));
        core::make_admitted_session<PlainSession>(std::move(c.slot), std::move(lease), std::move(socket), c.client,
                                                  std::move(c.preread), shared, nullptr)
            ->run();
      });
  if (proxy_) listener_->use_proxy_protocol(*proxy_);
  listener_->open(host, port);
}

void HttpServer::listen_tls(const std::string& host, std::uint16_t port, std::shared_ptr<core::TlsContext> tls) {
  tls_listener_ = std::make_shared<core::TcpAcceptor>(
      ioc_, shared_->log, "https", limiter_,
      [shared = shared_, tls = std::move(tls), &loops = loops_](core::AcceptedConnection c) {
        auto lease = loops.next_loop();
        auto socket = lease.adopt(std::move(c.socket));
        core::make_admitted_session<TlsSession>(std::move(c.slot), std::move(lease), std::move(socket), c.client,
                                                std::move(c.preread), shared, tls->current())
            ->run();
      });
  if (proxy_) tls_listener_->use_proxy_protocol(*proxy_);
  tls_listener_->open(host, port);
}

void HttpServer::use_proxy_protocol() {
  proxy_ = core::ProxyProtocolPolicy{
      .trusted = shared_->limits.trusted_proxies,
      .timeout = std::chrono::seconds(shared_->limits.request_timeout_seconds),
      .on_refused =
          [shared = std::weak_ptr<Shared>(shared_)] {
            const auto s = shared.lock();
            if (s && s->on_reject) s->on_reject("proxy_protocol");
          },
  };
}

std::uint16_t HttpServer::port() const {
  return listener_ ? listener_->port() : 0;
}
std::uint16_t HttpServer::tls_port() const {
  return tls_listener_ ? tls_listener_->port() : 0;
}

void HttpServer::on_reject(RejectionCounter counter) {
  shared_->on_reject = std::move(counter);
}

void HttpServer::read_files_on(boost::asio::thread_pool& pool) {
  shared_->disk = &pool;
}

std::uint64_t HttpServer::cold_file_reads() const {
  return shared_->cold_file_reads.load();
}

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

std::size_t HttpServer::active_connections() const {
  return shared_->connections.load();
}

}  // namespace tidecast::http

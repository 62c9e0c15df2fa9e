#include "rtmp/server.hpp"

#include "core/tcp_acceptor.hpp"
#include "rtmp/session.hpp"

namespace tidecast::rtmp {

using tcp = boost::asio::ip::tcp;

ServerMetrics::ServerMetrics(core::Metrics& m)
    : connections(m.counter("tidecast_rtmp_connections_total", "RTMP connections accepted")),
      bytes_received(m.counter("tidecast_rtmp_received_bytes_total", "Bytes received from RTMP peers")),
      protocol_errors(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "protocol"}})),
      timeouts(m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "timeout"}})),
      publish_refused(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "publish_refused"}})),
      unsupported_codec(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "unsupported_media"}})),
      refused_total(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "connection_limit"}})),
      refused_per_ip(m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error",
                               {{"kind", "connection_limit_per_ip"}})),
      proxy_protocol_refused(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "proxy_protocol"}})) {}

Server::Server(boost::asio::io_context& ioc, core::IoPool& loops, core::Logger& log, ServerLimits limits,
               PublishGateway& gateway, ServerMetrics& metrics)
    : ioc_(ioc),
      loops_(loops),
      shared_(std::make_shared<Shared>(log, limits, gateway, metrics)),
      limiter_(std::make_shared<core::ConnectionLimiter>(
          log, "rtmp", core::ConnectionLimits{limits.max_connections, limits.max_connections_per_ip})) {
  limiter_->on_refused([&metrics](core::Refusal refusal) {
    (refusal == core::Refusal::total ? metrics.refused_total : metrics.refused_per_ip).inc();
  });
}

Server::~Server() = default;

void Server::listen(const std::string& host, std::uint16_t port) {
  acceptor_ = std::make_shared<core::TcpAcceptor>(
      ioc_, shared_->log, "rtmp", limiter_, [shared = shared_, &loops = loops_](core::AcceptedConnection c) {
        auto lease = loops.next_loop();
        auto socket = lease.adopt(std::move(c.socket));
        core::make_admitted_session<PlainSession>(std::move(c.slot), std::move(lease), std::move(socket), c.client,
                                                  std::move(c.preread), shared, nullptr)
            ->start();
      });
  if (proxy_) acceptor_->use_proxy_protocol(*proxy_);
  acceptor_->open(host, port);
}

void Server::listen_tls(const std::string& host, std::uint16_t port, std::shared_ptr<core::TlsContext> tls) {
  tls_acceptor_ = std::make_shared<core::TcpAcceptor>(
      ioc_, shared_->log, "rtmps", limiter_,
      [shared = shared_, tls = std::move(tls), &loops = loops_](core::AcceptedConnection c) {
        auto lease = loops.next_loop();
        auto socket = lease.adopt(std::move(c.socket));
        core::make_admitted_session<TlsSession>(std::move(c.slot), std::move(lease), std::move(socket), c.client,
                                                std::move(c.preread), shared, tls->current())
            ->start();
      });
  if (proxy_) tls_acceptor_->use_proxy_protocol(*proxy_);
  tls_acceptor_->open(host, port);
}

void Server::use_proxy_protocol(core::TrustedProxies trusted) {
  proxy_ = core::ProxyProtocolPolicy{
      .trusted = std::move(trusted),
      .timeout = std::chrono::seconds(shared_->limits.handshake_timeout_seconds),
      .on_refused = [&metrics = shared_->metrics] { metrics.proxy_protocol_refused.inc(); },
  };
}

std::uint16_t Server::port() const {
  return acceptor_ ? acceptor_->port() : 0;
}
std::uint16_t Server::tls_port() const {
  return tls_acceptor_ ? tls_acceptor_->port() : 0;
}

void Server::start() {
  acceptor_->start();
  if (tls_acceptor_) tls_acceptor_->start();
}

void Server::stop() {
  if (acceptor_) acceptor_->stop();
  if (tls_acceptor_) tls_acceptor_->stop();
  for (auto& session : shared_->sessions.alive()) session->request_close();
}

std::size_t Server::active_publishers() const {
  return shared_->publishers.load();
}
std::size_t Server::active_connections() const {
  return shared_->connections.load();
}

}  // namespace tidecast::rtmp

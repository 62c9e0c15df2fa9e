#include "rtmp/server.hpp"

#include "core/tcp_acceptor.hpp"
#include "rtmp/session.hpp"

namespace tidecast::rtmp {

using tcp = boost::asio::ip::tcp;

class Acceptor : public core::TcpAcceptor {
 public:
  using core::TcpAcceptor::TcpAcceptor;
};

ServerMetrics::ServerMetrics(core::Metrics& m)
    : connections(m.counter("tidecast_rtmp_connections_total", "RTMP connections accepted")),
      bytes_received(m.counter("tidecast_rtmp_received_bytes_total", "Bytes received from RTMP peers")),
      protocol_errors(m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "protocol"}})),
      timeouts(m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "timeout"}})),
      publish_refused(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "publish_refused"}})),
      unsupported_codec(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "unsupported_media"}})),
      refused_total(
          m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error", {{"kind", "connection_limit"}})),
      refused_per_ip(m.counter("tidecast_rtmp_errors_total", "RTMP sessions closed on an error",
                               {{"kind", "connection_limit_per_ip"}})) {}

Server::Server(boost::asio::io_context& ioc, core::Logger& log, ServerLimits limits, PublishGateway& gateway,
               ServerMetrics& metrics)
    : ioc_(ioc),
      shared_(std::make_shared<Shared>(log, limits, gateway, metrics)),
      limiter_(std::make_shared<core::ConnectionLimiter>(
          log, "rtmp", core::ConnectionLimits{limits.max_connections, limits.max_connections_per_ip})) {
  limiter_->on_refused([&metrics](core::Refusal refusal) {
    (refusal == core::Refusal::total ? metrics.refused_total : metrics.refused_per_ip).inc();
  });
}

Server::~Server() = default;

void Server::listen(const std::string& host, std::uint16_t port) {
  acceptor_ = std::make_shared<Acceptor>(
      ioc_, shared_->log, "rtmp", limiter_, [shared = shared_](tcp::socket socket, core::ConnectionLimiter::Slot slot) {
        // The session's deleter holds its place under the connection caps.
        std::shared_ptr<Session>(new Session(std::move(socket), shared), [slot](Session* session) { delete session; })
            ->start();
      });
  acceptor_->open(host, port);
}

std::uint16_t Server::port() const { return acceptor_ ? acceptor_->port() : 0; }

void Server::start() { acceptor_->start(); }

void Server::stop() {
  if (acceptor_) acceptor_->stop();
  for (auto& session : shared_->sessions.alive()) session->request_close();
}

std::size_t Server::active_publishers() const { return shared_->publishers.load(); }
std::size_t Server::active_connections() const { return shared_->connections.load(); }

}  // namespace tidecast::rtmp

#pragma once
// The RTMP ingest server: accepts publishers (OBS, ffmpeg), runs the pure
// protocol codec over each connection and hands media to a PublishGateway.
// Each connection is a Session on its own strand with one write in flight,
// a bounded output queue and deadlines (handshake, idle).
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/connection_limiter.hpp"
#include "core/io_pool.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/tcp_acceptor.hpp"
#include "core/tls_context.hpp"
#include "rtmp/publish_gateway.hpp"

namespace tidecast::rtmp {

struct ServerLimits {
  unsigned handshake_timeout_seconds = 10;
  unsigned idle_timeout_seconds = 30;
  std::size_t max_message_bytes = 8 * 1024 * 1024;
  std::size_t max_publishers = 64;
  std::size_t max_connections = 256;
  std::size_t max_connections_per_ip = 16;
  std::uint32_t max_chunk_bytes = 65536;  // largest Set Chunk Size accepted from a peer
};

// Counters the server updates (owned by the caller's core::Metrics).
struct ServerMetrics {
  explicit ServerMetrics(core::Metrics& metrics);
  core::Counter& connections;
  core::Counter& bytes_received;
  core::Counter& protocol_errors;
  core::Counter& timeouts;
  core::Counter& publish_refused;
  core::Counter& unsupported_codec;
  core::Counter& refused_total;           // connections refused at accept: max_connections
  core::Counter& refused_per_ip;          // max_connections_per_ip
  core::Counter& proxy_protocol_refused;  // a PROXY header missing, malformed or from an untrusted peer
};

class Server {
 public:
  // `ioc` runs the acceptors; `loops` run the sessions.
  Server(boost::asio::io_context& ioc, core::IoPool& loops, core::Logger& log, ServerLimits limits,
         PublishGateway& gateway, ServerMetrics& metrics);
  ~Server();

  // Binds and listens; throws std::runtime_error naming the address.
  void listen(const std::string& host, std::uint16_t port);
  // A second, RTMPS listener (RTMP inside TLS): same gateway, limits and caps.
  void listen_tls(const std::string& host, std::uint16_t port, std::shared_ptr<core::TlsContext> tls);
  // Before listen(): connections start with a PROXY protocol header
  // (rtmp.proxy_protocol): required from `trusted` peers, refused from others.
  void use_proxy_protocol(core::TrustedProxies trusted);
  std::uint16_t port() const;
  std::uint16_t tls_port() const;  // 0 without listen_tls
  void start();
  // Stops accepting and closes every connection (publishers end).
  void stop();
  std::size_t active_publishers() const;
  std::size_t active_connections() const;

  struct Shared;

 private:
  boost::asio::io_context& ioc_;
  core::IoPool& loops_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<core::ConnectionLimiter> limiter_;
  std::shared_ptr<core::TcpAcceptor> acceptor_;
  std::shared_ptr<core::TcpAcceptor> tls_acceptor_;
  std::optional<core::ProxyProtocolPolicy> proxy_;
};

}  // namespace tidecast::rtmp

#pragma once
// The HTTP/1.1 listener. Each connection is a Session on one of the IoPool's
// single-threaded loops (its strand, without a strand's cost) with
// one request read and one response write in flight at a time (no pipelining
// backlog can build up), deadlines on every read and write, and head/body
// size limits. stop() closes the acceptor and every idle connection; busy
// ones close right after their current response.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/connection_limiter.hpp"
#include "core/io_pool.hpp"
#include "core/ip_network.hpp"
#include "core/log.hpp"
#include "core/tcp_acceptor.hpp"
#include "core/tls_context.hpp"
#include "http/body_sink.hpp"
#include "http/message.hpp"

namespace tidecast::http {

struct ServerLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  unsigned request_timeout_seconds = 15;
  unsigned idle_timeout_seconds = 60;
  unsigned write_timeout_seconds = 60;
  std::size_t max_connections = 4096;
  std::size_t max_connections_per_ip = 256;
  // Streamed (upload) bodies may take longer than request_timeout_seconds as
  // long as data keeps flowing: each window of request_timeout_seconds must
  // bring at least this many bytes per second, or the connection is cut.
  std::size_t min_stream_bytes_per_second = 4096;
  // Peers whose X-Forwarded-* headers are believed (http/client_origin.hpp); none by default.
  core::TrustedProxies trusted_proxies;
};

using RequestHandler = std::function<Response(const Request&, const ClientInfo&)>;

// Told about every request the server refuses or cuts off itself, by kind:
// "header_too_large", "body_too_large", "bad_request", "request_timeout",
// "write_timeout", "tls_handshake", and connections refused at accept: "connection_limit",
// "connection_limit_per_ip", "proxy_protocol" (a PROXY header missing, malformed or untrusted). Called on I/O threads;
// must be cheap.
using RejectionCounter = std::function<void(std::string_view kind)>;

class HttpServer {
 public:
  // `stream` (optional) picks the requests whose bodies are streamed to a
  // BodySink instead of being read into memory (Router::stream).
  // `ioc` runs the acceptors; `loops` run the connections.
  HttpServer(boost::asio::io_context& ioc, core::IoPool& loops, core::Logger& log, ServerLimits limits,
             RequestHandler handler, StreamHandler stream = {});
  ~HttpServer();

  // Binds and listens; throws std::runtime_error naming the address on failure.
  void listen(const std::string& host, std::uint16_t port);
  // A second, HTTPS listener: same routes, limits and connection caps.
  void listen_tls(const std::string& host, std::uint16_t port, std::shared_ptr<core::TlsContext> tls);
  // Before listen(): connections start with a PROXY protocol header
  // (http.proxy_protocol): required from limits.trusted_proxies, refused from others.
  void use_proxy_protocol();
  std::uint16_t port() const;
  std::uint16_t tls_port() const;  // 0 without listen_tls
  void start();
  void stop();
  // Before start(): where refusals are counted (metrics).
  void on_reject(RejectionCounter counter);
  // Before start(): on-demand file bytes missing from the page cache are read
  // on `pool` before an I/O thread sends them (http/page_cache.hpp).
  void read_files_on(boost::asio::thread_pool& pool);
  // File spans that had to be read from the disk first (metrics).
  std::uint64_t cold_file_reads() const;
  std::size_t active_connections() const;

  struct Shared;

 private:
  boost::asio::io_context& ioc_;
  core::IoPool& loops_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<core::ConnectionLimiter> limiter_;
  std::shared_ptr<core::TcpAcceptor> listener_;
  std::shared_ptr<core::TcpAcceptor> tls_listener_;
  std::optional<core::ProxyProtocolPolicy> proxy_;
};

}  // namespace tidecast::http

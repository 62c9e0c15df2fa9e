#pragma once
// The project's own HTTP server on 127.0.0.1 (port 0), one I/O loop, and a
// thread running its main io_context (which also runs the timers a test's
// deferred answers use); stopped on destruction. For tests that need a real
// server on the other end of a socket.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/io_pool.hpp"
#include "core/log.hpp"
#include "http/server.hpp"

namespace tidecast::test {

class LoopbackHttpServer {
 public:
  // `setup` runs before the server listens (on_reject, read_files_on, ...).
  LoopbackHttpServer(core::Logger& log, http::ServerLimits limits, http::RequestHandler handler,
                     const std::function<void(http::HttpServer&)>& setup = {});
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  std::uint16_t port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  http::HttpServer& server() { return *server_; }
  boost::asio::io_context& ioc() { return ioc_; }

 private:
  boost::asio::io_context ioc_;
  core::IoPool loops_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
};

}  // namespace tidecast::test

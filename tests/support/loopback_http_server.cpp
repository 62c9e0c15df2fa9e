#include "support/loopback_http_server.hpp"

#include <chrono>

namespace tidecast::test {

LoopbackHttpServer::LoopbackHttpServer(core::Logger& log, http::ServerLimits limits, http::RequestHandler handler,
                                       const std::function<void(http::HttpServer&)>& setup)
    : loops_(log, "http", 1) {
  server_ = std::make_unique<http::HttpServer>(ioc_, loops_, log, limits, std::move(handler));
  if (setup) setup(*server_);
  server_->listen("127.0.0.1", 0);
  server_->start();
  loops_.start();
  thread_ = std::thread([this] { ioc_.run(); });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  server_->stop();
  ioc_.stop();
  thread_.join();
  loops_.join(std::chrono::seconds(2));
}

}  // namespace tidecast::test

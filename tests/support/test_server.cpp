#include "support/test_server.hpp"

namespace tidecast::test {

TestServer::TestServer(const std::function<void(Config&)>& customize) {
  Config config;
  config.data_dir = dir_.path();
  config.http.listen = "127.0.0.1:0";
  config.rtmp.listen = "127.0.0.1:0";
  config.log_level = "warn";
  if (customize) customize(config);
  server_ = std::make_unique<Server>(config);
  server_->start();
}

TestServer::~TestServer() { server_->stop(); }

}  // namespace tidecast::test

#pragma once
// Starts the real server through the public API on 127.0.0.1, port 0, with a
// fresh data dir; stops it on destruction.
#include <functional>
#include <memory>

#include "support/temp_dir.hpp"
#include "tidecast/server.hpp"

namespace tidecast::test {

class TestServer {
 public:
  explicit TestServer(const std::function<void(Config&)>& customize = {});
  ~TestServer();
  std::uint16_t http_port() const { return server_->http_port(); }
  std::uint16_t rtmp_port() const { return server_->rtmp_port(); }
  Server& server() { return *server_; }
  const std::filesystem::path& data_dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::unique_ptr<Server> server_;
};

}  // namespace tidecast::test

#pragma once
// The embeddable Tidecast server: construct with a Config, start(), read the
// bound ports (port 0 in the config picks a free one), stop().
#include <cstdint>
#include <memory>

#include "tidecast/config.hpp"

namespace tidecast {

class Server {
 public:
  explicit Server(Config config);
  ~Server();  // stops if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the catalog, binds the listeners and starts the threads. Throws
  // std::runtime_error with context when something cannot start. Sets
  // SIGPIPE to ignored for the process (files are sent with sendfile()).
  void start();
  // Graceful: stops accepting, lets in-flight responses finish briefly,
  // closes live streams, checkpoints the catalog. Idempotent.
  void stop();
  // Applies the settings that can change while running (log_level) and
  // re-reads the TLS certificate and key; the rest needs a restart.
  void reload(const Config& config);

  std::uint16_t http_port() const;
  std::uint16_t rtmp_port() const;
  std::uint16_t https_port() const;  // 0 when http.https_listen is not set
  std::uint16_t rtmps_port() const;  // 0 when rtmp.rtmps_listen is not set
  const Config& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "0.1.0"
const char* version();

}  // namespace tidecast

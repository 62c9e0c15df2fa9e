#pragma once
// Tidecast configuration. Every field has the default that config/tidecast.json
// documents; a default-constructed Config is a working server.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tidecast {

struct HttpConfig {
  std::string listen = "0.0.0.0:8080";
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  unsigned request_timeout_seconds = 15;  // to receive one whole request
  unsigned idle_timeout_seconds = 60;     // keep-alive wait between requests
  unsigned write_timeout_seconds = 60;    // to send one response
  std::size_t max_connections = 4096;
};

struct RtmpConfig {
  std::string listen = "0.0.0.0:1935";
  unsigned handshake_timeout_seconds = 10;
  unsigned idle_timeout_seconds = 30;
  std::size_t max_message_bytes = 8 * 1024 * 1024;
  std::size_t max_publishers = 64;
};

struct LiveConfig {
  double segment_seconds = 2.0;
  unsigned playlist_segments = 6;          // sliding window length
  unsigned reconnect_grace_seconds = 10;
  std::size_t cache_bytes = 512ull * 1024 * 1024;  // in-memory segments, all streams
  bool record = true;
};

struct ThreadsConfig {
  unsigned io = 2;   // threads running the network io_context
  unsigned cpu = 0;  // transcode/package pool; 0 = number of cores
};

struct Config {
  std::filesystem::path data_dir = "./data";
  std::string log_level = "info";
  HttpConfig http;
  RtmpConfig rtmp;
  LiveConfig live;
  ThreadsConfig threads;
};

// Thrown for an invalid config; what() names the key path and the problem,
// e.g. `http.listen: expected "host:port", got "80"`.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses JSON-with-comments over the defaults; unknown keys are errors.
Config parse_config(std::string_view json_text);
Config load_config_file(const std::filesystem::path& path);
// Checks invariants a parsed or hand-built Config must hold.
void validate_config(const Config& config);

}  // namespace tidecast

// parse_config / load_config_file / validate_config from include/tidecast/config.hpp.
#include <fmt/format.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "core/address.hpp"
#include "core/json_reader.hpp"
#include "core/log.hpp"
#include "tidecast/config.hpp"

namespace tidecast {

namespace {

constexpr std::size_t kMaxSize = std::numeric_limits<std::size_t>::max();

void require_listen(std::string_view key_path, const std::string& value) {
  if (!core::parse_host_port(value)) {
    throw ConfigError(fmt::format("{}: expected \"host:port\", got \"{}\"", key_path, value));
  }
}

void read_http(core::JsonObjectReader in, HttpConfig& out) {
  in.read("listen", out.listen);
  in.read("max_header_bytes", out.max_header_bytes, 1024, 1024 * 1024);
  in.read("max_body_bytes", out.max_body_bytes, 0, kMaxSize);
  in.read("request_timeout_seconds", out.request_timeout_seconds, 1, 3600);
  in.read("idle_timeout_seconds", out.idle_timeout_seconds, 1, 3600);
  in.read("write_timeout_seconds", out.write_timeout_seconds, 1, 3600);
  in.read("max_connections", out.max_connections, 1, 1000000);
  in.finish();
}

void read_rtmp(core::JsonObjectReader in, RtmpConfig& out) {
  in.read("listen", out.listen);
  in.read("handshake_timeout_seconds", out.handshake_timeout_seconds, 1, 600);
  in.read("idle_timeout_seconds", out.idle_timeout_seconds, 1, 3600);
  in.read("max_message_bytes", out.max_message_bytes, 1024, 64 * 1024 * 1024);
  in.read("max_publishers", out.max_publishers, 1, 100000);
  in.finish();
}

void read_live(core::JsonObjectReader in, LiveConfig& out) {
  in.read("segment_seconds", out.segment_seconds, 0.5, 20.0);
  in.read("playlist_segments", out.playlist_segments, 3, 1000);
  in.read("reconnect_grace_seconds", out.reconnect_grace_seconds, 0, 3600);
  in.read("cache_bytes", out.cache_bytes, 1024 * 1024, kMaxSize);
  in.read("record", out.record);
  in.finish();
}

void read_threads(core::JsonObjectReader in, ThreadsConfig& out) {
  in.read("io", out.io, 1, 256);
  in.read("cpu", out.cpu, 0, 1024);
  in.finish();
}

}  // namespace

Config parse_config(std::string_view json_text) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(fmt::format("invalid JSON: {}", e.what()));
  }
  Config config;
  core::JsonObjectReader in(&root, "");
  std::string data_dir = config.data_dir.string();
  in.read("data_dir", data_dir);
  config.data_dir = data_dir;
  in.read("log_level", config.log_level);
  read_http(in.section("http"), config.http);
  read_rtmp(in.section("rtmp"), config.rtmp);
  read_live(in.section("live"), config.live);
  read_threads(in.section("threads"), config.threads);
  in.finish();
  validate_config(config);
  return config;
}

Config load_config_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError(fmt::format("{}: cannot open config file", path.string()));
  std::ostringstream text;
  text << file.rdbuf();
  try {
    return parse_config(text.str());
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

void validate_config(const Config& config) {
  require_listen("http.listen", config.http.listen);
  require_listen("rtmp.listen", config.rtmp.listen);
  if (!core::parse_log_level(config.log_level)) {
    throw ConfigError(fmt::format("log_level: expected debug, info, warn, error or off, got \"{}\"", config.log_level));
  }
  if (config.data_dir.empty()) throw ConfigError("data_dir: must not be empty");
}

}  // namespace tidecast

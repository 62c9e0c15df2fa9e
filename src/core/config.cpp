// parse_config / load_config_file / validate_config from include/tidecast/config.hpp.
#include "tidecast/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/address.hpp"
#include "core/ip_network.hpp"
#include "core/json_reader.hpp"
#include "core/log.hpp"

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
  in.read("https_listen", out.https_listen);
  in.read("max_header_bytes", out.max_header_bytes, 1024, 1024 * 1024);
  in.read("max_body_bytes", out.max_body_bytes, 0, kMaxSize);
  in.read("request_timeout_seconds", out.request_timeout_seconds, 1, 3600);
  in.read("idle_timeout_seconds", out.idle_timeout_seconds, 1, 3600);
  in.read("write_timeout_seconds", out.write_timeout_seconds, 1, 3600);
  in.read("max_connections", out.max_connections, 1, 1000000);
  in.read("max_connections_per_ip", out.max_connections_per_ip, 1, 1000000);
  in.read("trusted_proxies", out.trusted_proxies);
  in.read("proxy_protocol", out.proxy_protocol);
  in.finish();
}

void read_rtmp(core::JsonObjectReader in, RtmpConfig& out) {
  in.read("listen", out.listen);
  in.read("rtmps_listen", out.rtmps_listen);
  in.read("handshake_timeout_seconds", out.handshake_timeout_seconds, 1, 600);
  in.read("idle_timeout_seconds", out.idle_timeout_seconds, 1, 3600);
  in.read("max_message_bytes", out.max_message_bytes, 1024, 64 * 1024 * 1024);
  in.read("max_publishers", out.max_publishers, 1, 100000);
  in.read("max_connections", out.max_connections, 1, 1000000);
  in.read("max_connections_per_ip", out.max_connections_per_ip, 1, 1000000);
  in.read("max_chunk_bytes", out.max_chunk_bytes, 128, 16 * 1024 * 1024);
  in.read("proxy_protocol", out.proxy_protocol);
  in.read("trusted_proxies", out.trusted_proxies);
  in.finish();
}

void read_tls(core::JsonObjectReader in, TlsConfig& out) {
  std::string certificate = out.certificate.string();
  std::string private_key = out.private_key.string();
  in.read("certificate", certificate);
  in.read("private_key", private_key);
  out.certificate = certificate;
  out.private_key = private_key;
  in.finish();
}

void read_live(core::JsonObjectReader in, LiveConfig& out) {
  in.read("segment_seconds", out.segment_seconds, 0.5, 20.0);
  in.read("playlist_segments", out.playlist_segments, 3, 1000);
  in.read("reconnect_grace_seconds", out.reconnect_grace_seconds, 0, 3600);
  in.read("cache_bytes", out.cache_bytes, 1024 * 1024, kMaxSize);
  in.read("stream_cache_bytes", out.stream_cache_bytes, 1024 * 1024, kMaxSize);
  in.read("record", out.record);
  in.read("latency_mode", out.latency_mode);
  in.read("part_seconds", out.part_seconds, 0.1, 2.0);
  in.read("thumbnail_seconds", out.thumbnail_seconds, 0.0, 3600.0);
  in.finish();
  if (out.latency_mode != "normal" && out.latency_mode != "low") {
    throw ConfigError(fmt::format("live.latency_mode: expected normal or low, got \"{}\"", out.latency_mode));
  }
  if (out.latency_mode == "low" && out.part_seconds > out.segment_seconds / 2) {
    throw ConfigError(fmt::format("live.part_seconds: at most half of segment_seconds ({}), got {}",
                                  out.segment_seconds / 2, out.part_seconds));
  }
}

void read_rung(core::JsonObjectReader in, TranscodeRung& out) {
  in.read("name", out.name);
  in.read("height", out.height, 16, 4320);
  in.read("video_bitrate_kbps", out.video_bitrate_kbps, 50, 100000);
  in.read("maxrate_kbps", out.maxrate_kbps, 0, 200000);
  in.read("bufsize_kbps", out.bufsize_kbps, 0, 400000);
  in.read("profile", out.profile);
  in.read("level", out.level);
  in.read("preset", out.preset);
  in.read("tune", out.tune);
  if (out.name.empty()) in.fail("name", "must not be empty");
  if (out.height == 0) in.fail("height", "is required");
  if (out.video_bitrate_kbps == 0) in.fail("video_bitrate_kbps", "is required");
  static constexpr std::string_view kProfiles[] = {"baseline", "main", "high"};
  if (std::find(std::begin(kProfiles), std::end(kProfiles), out.profile) == std::end(kProfiles)) {
    in.fail("profile", fmt::format("expected baseline, main or high, got \"{}\"", out.profile));
  }
  static constexpr std::string_view kPresets[] = {"ultrafast", "superfast", "veryfast", "faster",  "fast",
                                                  "medium",    "slow",      "slower",   "veryslow"};
  if (std::find(std::begin(kPresets), std::end(kPresets), out.preset) == std::end(kPresets)) {
    in.fail("preset", fmt::format("expected an x264 preset (ultrafast .. veryslow), got \"{}\"", out.preset));
  }
  if (!out.level.empty()) {
    static constexpr std::string_view kLevels[] = {"1", "1b",  "1.1", "1.2", "1.3", "2",   "2.1", "2.2",
                                                   "3", "3.0", "3.1", "3.2", "4",   "4.0", "4.1", "4.2",
                                                   "5", "5.0", "5.1", "5.2", "6",   "6.0", "6.1", "6.2"};
    if (std::find(std::begin(kLevels), std::end(kLevels), out.level) == std::end(kLevels)) {
      in.fail("level", fmt::format("expected an H.264 level such as \"3.1\", got \"{}\"", out.level));
    }
  }
  in.finish();
}

void read_transcode(core::JsonObjectReader in, TranscodeConfig& out) {
  in.read("enabled", out.enabled);
  in.read("passthrough", out.passthrough);
  in.read("source_height_rung", out.source_height_rung);
  if (auto rungs = in.object_array("rungs")) {
    out.rungs.clear();
    for (auto& rung_in : *rungs) read_rung(std::move(rung_in), out.rungs.emplace_back());
    for (std::size_t i = 0; i < out.rungs.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (out.rungs[i].name == out.rungs[j].name) {
          in.fail("rungs", fmt::format("rung name \"{}\" appears twice", out.rungs[i].name));
        }
      }
    }
  }
  in.read("audio_bitrate_kbps", out.audio_bitrate_kbps, 32, 512);
  in.read("audio_passthrough_max_kbps", out.audio_passthrough_max_kbps, 32, 10000);
  in.read("x264_threads", out.x264_threads, 0, 64);
  in.read("shed_queue_seconds", out.shed_queue_seconds, 1.0, 60.0);
  in.read("restore_after_seconds", out.restore_after_seconds, 1.0, 3600.0);
  in.finish();
}

void read_uploads(core::JsonObjectReader in, UploadsConfig& out) {
  in.read("max_bytes", out.max_bytes, 0, kMaxSize);
  in.read("expire_hours", out.expire_hours, 1, 24 * 365);
  in.read("min_bytes_per_second", out.min_bytes_per_second, 0, 1024 * 1024 * 1024);
  in.finish();
}

void read_jobs(core::JsonObjectReader in, JobsConfig& out) {
  in.read("workers", out.workers, 0, 64);
  in.read("max_attempts", out.max_attempts, 1, 100);
  in.read("retry_delay_seconds", out.retry_delay_seconds, 0, 86400);
  in.read("nice", out.nice, 0, 19);
  in.read("threads", out.threads, 0, 1024);
  in.read("max_seconds", out.max_seconds, 0, 7 * 24 * 3600);
  in.finish();
}

void read_accounts(core::JsonObjectReader in, AccountsConfig& out) {
  in.read("session_hours", out.session_hours, 1, 24 * 365);
  in.read("login_attempts_per_minute", out.login_attempts_per_minute, 1, 10000);
  in.read("signed_url_seconds", out.signed_url_seconds, 60, 7 * 24 * 3600);
  in.finish();
}

void read_chat(core::JsonObjectReader in, ChatConfig& out) {
  in.read("history", out.history, 0, 500);
  // 600 characters fit the 8-KiB frame limit even when each is a JSON-escaped pair (12 bytes).
  in.read("max_message_chars", out.max_message_chars, 1, 600);
  in.read("messages_burst", out.messages_burst, 1, 1000);
  in.read("message_refill_ms", out.message_refill_ms, 0, 3600 * 1000);
  in.read("idle_seconds", out.idle_seconds, 10, 3600);
  in.finish();
}

void read_threads(core::JsonObjectReader in, ThreadsConfig& out) {
  in.read("io", out.io, 1, 256);
  in.read("cpu", out.cpu, 0, 1024);
  in.finish();
}

void read_cluster(core::JsonObjectReader in, ClusterConfig& out) {
  in.read("enabled", out.enabled);
  in.read("node", out.node);
  in.read("internal_url", out.internal_url);
  in.read("database", out.database);
  in.read("secret_file", out.secret_file);
  in.read("signing_key_file", out.signing_key_file);
  in.read("roles", out.roles);
  in.read("lease_seconds", out.lease_seconds, 3, 300);
  in.read("pull_cache_bytes", out.pull_cache_bytes, 1u << 20, kMaxSize);
  in.finish();
}

void validate_cluster(const ClusterConfig& cluster) {
  if (!cluster.enabled) return;
  const auto require = [](std::string_view key, const std::string& value, std::string_view what) {
    if (value.empty()) throw ConfigError(fmt::format("cluster.{}: required in cluster mode ({})", key, what));
  };
  require("node", cluster.node, "this node's unique name");
  require("database", cluster.database, "the shared PostgreSQL catalog");
  require("secret_file", cluster.secret_file, "the secret every node shares");
  require("signing_key_file", cluster.signing_key_file, "the URL-signing key every node shares");
  for (const char c : cluster.node) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      throw ConfigError(fmt::format("cluster.node: use letters, digits, '-', '_' or '.', got \"{}\"", cluster.node));
    }
  }
  if (!cluster.internal_url.empty() && !cluster.internal_url.starts_with("http://")) {
    throw ConfigError(
        fmt::format("cluster.internal_url: expected \"http://host:port\", got \"{}\"", cluster.internal_url));
  }
  for (const std::string& role : cluster.roles) {
    if (role != "serve" && role != "ingest" && role != "convert" && role != "storage") {
      throw ConfigError(fmt::format("cluster.roles: unknown role \"{}\" (use serve, ingest, convert, storage)", role));
    }
  }
}

}  // namespace

bool ClusterConfig::has_role(std::string_view role) const {
  return !enabled || std::find(roles.begin(), roles.end(), role) != roles.end();
}

Config parse_config(std::string_view json_text) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number that does not fit (1e999).
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
  read_tls(in.section("tls"), config.tls);
  read_live(in.section("live"), config.live);
  read_transcode(in.section("transcode"), config.transcode);
  read_uploads(in.section("uploads"), config.uploads);
  read_jobs(in.section("jobs"), config.jobs);
  read_accounts(in.section("accounts"), config.accounts);
  read_chat(in.section("chat"), config.chat);
  read_threads(in.section("threads"), config.threads);
  read_cluster(in.section("cluster"), config.cluster);
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
  for (const auto& [key, listen] : {std::pair{"http.https_listen", &config.http.https_listen},
                                    std::pair{"rtmp.rtmps_listen", &config.rtmp.rtmps_listen}}) {
    if (listen->empty()) continue;
    require_listen(key, *listen);
    if (config.tls.certificate.empty() || config.tls.private_key.empty()) {
      throw ConfigError(fmt::format("{}: needs tls.certificate and tls.private_key", key));
    }
  }
  for (const auto& [key, list] : {std::pair{"http.trusted_proxies", &config.http.trusted_proxies},
                                  std::pair{"rtmp.trusted_proxies", &config.rtmp.trusted_proxies}}) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string& entry = (*list)[i];
      if (!core::IpNetwork::parse(entry)) {
        throw ConfigError(
            fmt::format("{}[{}]: expected an IP address or CIDR range such as \"10.0.0.0/8\" or \"::1\" "
                        "(no bits set past the prefix), got \"{}\"",
                        key, i, entry));
      }
    }
  }
  if (!core::parse_log_level(config.log_level)) {
    throw ConfigError(fmt::format("log_level: expected debug, info, warn, error or off, got \"{}\"", config.log_level));
  }
  if (config.data_dir.empty()) throw ConfigError("data_dir: must not be empty");
  validate_cluster(config.cluster);
  if (config.rtmp.max_connections < config.rtmp.max_publishers) {
    throw ConfigError(fmt::format("rtmp.max_connections: {} is below rtmp.max_publishers ({})",
                                  config.rtmp.max_connections, config.rtmp.max_publishers));
  }
}

}  // namespace tidecast

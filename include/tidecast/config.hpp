#pragma once
// Tidecast configuration. Every field has the default that config/tidecast.json
// documents; a default-constructed Config is a working server.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tidecast {

// One certificate for every TLS listener (HTTPS and RTMPS). PEM files; the
// certificate file may hold the whole chain. Re-read on SIGHUP.
struct TlsConfig {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};

struct HttpConfig {
  std::string listen = "0.0.0.0:8080";
  std::string https_listen;  // empty = no HTTPS listener; needs tls.certificate and tls.private_key
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  unsigned request_timeout_seconds = 15;  // to receive one whole request
  unsigned idle_timeout_seconds = 60;     // keep-alive wait between requests
  unsigned write_timeout_seconds = 60;    // to send one response
  std::size_t max_connections = 4096;
  std::size_t max_connections_per_ip = 256;
  // Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed: addresses
  // or CIDR ranges, IPv4 and IPv6. Empty: the headers are always ignored.
  std::vector<std::string> trusted_proxies = {"127.0.0.0/8", "::1"};
  // Connections start with a PROXY protocol header (v1 or v2): required from
  // trusted_proxies, refused from everyone else. Off by default.
  bool proxy_protocol = false;
};

struct RtmpConfig {
  std::string listen = "0.0.0.0:1935";
  std::string rtmps_listen;  // empty = no RTMPS listener; needs tls.certificate and tls.private_key
  unsigned handshake_timeout_seconds = 10;
  unsigned idle_timeout_seconds = 30;
  std::size_t max_message_bytes = 8 * 1024 * 1024;
  std::size_t max_publishers = 64;
  std::size_t max_connections = 256;
  std::size_t max_connections_per_ip = 16;
  std::size_t max_chunk_bytes = 65536;
  // Like http.proxy_protocol, for the RTMP/RTMPS listeners (HAProxy send-proxy-v2
  // in mode tcp).
  bool proxy_protocol = false;
  // Who must send that header; empty: http.trusted_proxies. Its own list lets
  // encoders on a trusted network publish directly while HAProxy sends headers.
  std::vector<std::string> trusted_proxies;
};

struct LiveConfig {
  double segment_seconds = 2.0;
  unsigned playlist_segments = 6;  // sliding window length
  unsigned reconnect_grace_seconds = 10;
  std::size_t cache_bytes = 512ull * 1024 * 1024;         // in-memory segments, all streams
  std::size_t stream_cache_bytes = 128ull * 1024 * 1024;  // in-memory segments, one stream
  bool record = true;
  // Low latency (docs/ARCHITECTURE.md "Low latency"): "normal" or "low"
  // (segments cut into parts of part_seconds, LL-HLS with blocking reload).
  std::string latency_mode = "normal";
  // A third of a second: 10 frames at 30 fps, PART-HOLD-BACK 1 s (hls.js
  // measured 1.45-1.72 s glass to glass with it, 1.8 s with 0.4-s parts).
  double part_seconds = 0.333;
  // A JPEG of a recent keyframe per live channel (/live/<channel>/thumbnail.jpg),
  // made when asked for, at most one per this many seconds of media; 0 = none.
  double thumbnail_seconds = 5;
};

// One rendition of the adaptive-bitrate ladder (see docs/ladder.md).
struct TranscodeRung {
  std::string name;              // "720p": logs, stats, API
  int height = 0;                // output height; width keeps the source aspect (both even)
  int video_bitrate_kbps = 0;    // x264 ABR target
  int maxrate_kbps = 0;          // VBV maximum rate (0 = 1.07 x target)
  int bufsize_kbps = 0;          // VBV buffer (0 = 1.5 x target)
  std::string profile = "high";  // baseline | main | high
  std::string level;             // "3.1", "4.0"; empty = x264 picks
  std::string preset = "veryfast";
  std::string tune;  // empty = none; "film", "animation", ...
};

inline std::vector<TranscodeRung> default_transcode_rungs() {
  return {
      {"720p", 720, 2500, 2675, 3750, "high", "3.1", "veryfast", ""},
      {"480p", 480, 1200, 1284, 1800, "main", "3.1", "veryfast", ""},
      {"360p", 360, 700, 749, 1050, "main", "3.0", "veryfast", ""},
  };
}

struct TranscodeConfig {
  bool enabled = true;      // build the ladder for live streams
  bool passthrough = true;  // offer the source itself as the top rung
  // Also build a rung as tall as the source while the source itself is offered
  // (by default skipped: two entries of one height in the quality menu).
  bool source_height_rung = false;
  std::vector<TranscodeRung> rungs = default_transcode_rungs();
  unsigned audio_bitrate_kbps = 128;          // when audio must be re-encoded (source not AAC)
  unsigned audio_passthrough_max_kbps = 512;  // AAC above this is re-encoded (file mode)
  unsigned x264_threads = 0;                  // per rung; 0 = derived from threads.cpu and the rung's share
  double shed_queue_seconds = 3.0;            // input queue (media s) above which the costliest rung is shed
  double restore_after_seconds = 10.0;        // queue below 0.5 s this long (media s) before a rung comes back
};

struct UploadsConfig {
  std::size_t max_bytes = 20ull * 1024 * 1024 * 1024;  // largest upload (tus and plain POST)
  unsigned expire_hours = 24;                          // unfinished tus uploads are removed after this
  std::size_t min_bytes_per_second = 4096;             // slower upload bodies are cut off
};

struct JobsConfig {
  unsigned workers = 1;               // conversions at the same time
  unsigned max_attempts = 3;          // a failing conversion is tried this often in all
  unsigned retry_delay_seconds = 30;  // before the 2nd attempt; doubles per attempt, at most an hour
  int nice = 10;                      // worker thread niceness: live transcoding keeps priority
  unsigned threads = 0;               // CPU threads per conversion; 0 = number of cores
  unsigned max_seconds = 0;           // wall-time limit per conversion attempt; 0 = none
};

struct AccountsConfig {
  unsigned session_hours = 168;             // a browser session lasts this long (7 days)
  unsigned login_attempts_per_minute = 10;  // per client IP; more get 429
  unsigned signed_url_seconds = 21600;      // lifetime of signed media URLs of private videos (6 h)
};

// Live chat (src/chat/): limits of every channel's room. In a cluster every
// node needs the same values (a relayed viewer's posts are checked by the
// room's node).
struct ChatConfig {
  unsigned history = 50;              // recent messages a joining viewer gets
  unsigned max_message_chars = 500;   // longer posts are refused (too_long)
  unsigned messages_burst = 5;        // per poster: this many messages at once,
  unsigned message_refill_ms = 2000;  // then one more per this long
  unsigned idle_seconds = 60;         // a connection silent this long (pings unanswered) is closed
};

struct ThreadsConfig {
  unsigned io = 2;   // threads running the network io_context
  unsigned cpu = 0;  // transcode/package pool; 0 = number of cores
};

// Several nodes acting as one Tidecast (docs/scaling.md). Off: a single box
// with its SQLite catalog, exactly as without this section.
struct ClusterConfig {
  bool enabled = false;
  std::string node;          // this node's name, unique in the cluster
  std::string internal_url;  // how other nodes reach this node's HTTP listener; "" = http://<http.listen, bound port>
  std::string database;      // PostgreSQL connection string (libpq URI or key=value): the shared catalog
  std::string secret_file;   // the cluster secret for internal calls (same file on every node)
  std::string signing_key_file;  // the 32-byte URL-signing key shared by every node
  std::vector<std::string> roles = {"serve", "ingest", "convert", "storage"};
  unsigned lease_seconds = 10;  // a live channel's owner renews its lease this often × 1/3; others wait it out
  std::size_t pull_cache_bytes = 256u << 20;  // media pulled from other nodes, kept in memory

  bool has_role(std::string_view role) const;
};

struct Config {
  std::filesystem::path data_dir = "./data";
  std::string log_level = "info";
  HttpConfig http;
  RtmpConfig rtmp;
  TlsConfig tls;
  LiveConfig live;
  TranscodeConfig transcode;
  UploadsConfig uploads;
  JobsConfig jobs;
  AccountsConfig accounts;
  ChatConfig chat;
  ThreadsConfig threads;
  ClusterConfig cluster;
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

#include "tidecast/config.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/address.hpp"

using tidecast::Config;
using tidecast::ConfigError;
using tidecast::parse_config;

namespace {

std::string error_of(const std::string& json) {
  try {
    parse_config(json);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("an empty object gives the built-in defaults") {
  const Config config = parse_config("{}");
  CHECK(config.http.listen == "0.0.0.0:8080");
  CHECK(config.rtmp.listen == "0.0.0.0:1935");
  CHECK(config.live.segment_seconds == 2.0);
}

TEST_CASE("config/tidecast.json documents exactly the embedded defaults") {
  const std::string path = std::string(std::getenv("TIDECAST_SOURCE_DIR")) + "/config/tidecast.json";
  const Config from_file = tidecast::load_config_file(path);
  const Config defaults;
  CHECK(from_file.data_dir == defaults.data_dir);
  CHECK(from_file.log_level == defaults.log_level);
  CHECK(from_file.http.listen == defaults.http.listen);
  CHECK(from_file.http.https_listen == defaults.http.https_listen);
  CHECK(from_file.rtmp.rtmps_listen == defaults.rtmp.rtmps_listen);
  CHECK(from_file.tls.certificate == defaults.tls.certificate);
  CHECK(from_file.tls.private_key == defaults.tls.private_key);
  CHECK(from_file.http.max_header_bytes == defaults.http.max_header_bytes);
  CHECK(from_file.http.max_body_bytes == defaults.http.max_body_bytes);
  CHECK(from_file.http.request_timeout_seconds == defaults.http.request_timeout_seconds);
  CHECK(from_file.http.idle_timeout_seconds == defaults.http.idle_timeout_seconds);
  CHECK(from_file.http.write_timeout_seconds == defaults.http.write_timeout_seconds);
  CHECK(from_file.http.max_connections == defaults.http.max_connections);
  CHECK(from_file.http.max_connections_per_ip == defaults.http.max_connections_per_ip);
  CHECK(from_file.http.trusted_proxies == defaults.http.trusted_proxies);
  CHECK(from_file.rtmp.listen == defaults.rtmp.listen);
  CHECK(from_file.rtmp.handshake_timeout_seconds == defaults.rtmp.handshake_timeout_seconds);
  CHECK(from_file.rtmp.idle_timeout_seconds == defaults.rtmp.idle_timeout_seconds);
  CHECK(from_file.rtmp.max_message_bytes == defaults.rtmp.max_message_bytes);
  CHECK(from_file.rtmp.max_publishers == defaults.rtmp.max_publishers);
  CHECK(from_file.rtmp.max_connections == defaults.rtmp.max_connections);
  CHECK(from_file.rtmp.max_connections_per_ip == defaults.rtmp.max_connections_per_ip);
  CHECK(from_file.rtmp.max_chunk_bytes == defaults.rtmp.max_chunk_bytes);
  CHECK(from_file.live.segment_seconds == defaults.live.segment_seconds);
  CHECK(from_file.live.playlist_segments == defaults.live.playlist_segments);
  CHECK(from_file.live.reconnect_grace_seconds == defaults.live.reconnect_grace_seconds);
  CHECK(from_file.live.cache_bytes == defaults.live.cache_bytes);
  CHECK(from_file.live.stream_cache_bytes == defaults.live.stream_cache_bytes);
  CHECK(from_file.live.record == defaults.live.record);
  CHECK(from_file.live.thumbnail_seconds == defaults.live.thumbnail_seconds);
  CHECK(from_file.transcode.enabled == defaults.transcode.enabled);
  CHECK(from_file.transcode.passthrough == defaults.transcode.passthrough);
  CHECK(from_file.transcode.audio_bitrate_kbps == defaults.transcode.audio_bitrate_kbps);
  CHECK(from_file.transcode.audio_passthrough_max_kbps == defaults.transcode.audio_passthrough_max_kbps);
  CHECK(from_file.transcode.x264_threads == defaults.transcode.x264_threads);
  CHECK(from_file.transcode.shed_queue_seconds == defaults.transcode.shed_queue_seconds);
  CHECK(from_file.transcode.restore_after_seconds == defaults.transcode.restore_after_seconds);
  REQUIRE(from_file.transcode.rungs.size() == defaults.transcode.rungs.size());
  for (std::size_t i = 0; i < defaults.transcode.rungs.size(); ++i) {
    const auto& a = from_file.transcode.rungs[i];
    const auto& b = defaults.transcode.rungs[i];
    CHECK(a.name == b.name);
    CHECK(a.height == b.height);
    CHECK(a.video_bitrate_kbps == b.video_bitrate_kbps);
    CHECK(a.maxrate_kbps == b.maxrate_kbps);
    CHECK(a.bufsize_kbps == b.bufsize_kbps);
    CHECK(a.profile == b.profile);
    CHECK(a.level == b.level);
    CHECK(a.preset == b.preset);
    CHECK(a.tune == b.tune);
  }
  CHECK(from_file.accounts.session_hours == defaults.accounts.session_hours);
  CHECK(from_file.accounts.login_attempts_per_minute == defaults.accounts.login_attempts_per_minute);
  CHECK(from_file.accounts.signed_url_seconds == defaults.accounts.signed_url_seconds);
  CHECK(from_file.chat.history == defaults.chat.history);
  CHECK(from_file.chat.max_message_chars == defaults.chat.max_message_chars);
  CHECK(from_file.chat.messages_burst == defaults.chat.messages_burst);
  CHECK(from_file.chat.message_refill_ms == defaults.chat.message_refill_ms);
  CHECK(from_file.chat.idle_seconds == defaults.chat.idle_seconds);
  CHECK(from_file.threads.io == defaults.threads.io);
  CHECK(from_file.threads.cpu == defaults.threads.cpu);
  CHECK(from_file.uploads.max_bytes == defaults.uploads.max_bytes);
  CHECK(from_file.uploads.expire_hours == defaults.uploads.expire_hours);
  CHECK(from_file.uploads.min_bytes_per_second == defaults.uploads.min_bytes_per_second);
  CHECK(from_file.jobs.workers == defaults.jobs.workers);
  CHECK(from_file.jobs.max_attempts == defaults.jobs.max_attempts);
  CHECK(from_file.jobs.retry_delay_seconds == defaults.jobs.retry_delay_seconds);
  CHECK(from_file.jobs.max_seconds == defaults.jobs.max_seconds);
  CHECK(from_file.jobs.nice == defaults.jobs.nice);
  CHECK(from_file.jobs.threads == defaults.jobs.threads);
  CHECK(from_file.cluster.enabled == defaults.cluster.enabled);
  CHECK(from_file.cluster.node == defaults.cluster.node);
  CHECK(from_file.cluster.internal_url == defaults.cluster.internal_url);
  CHECK(from_file.cluster.database == defaults.cluster.database);
  CHECK(from_file.cluster.secret_file == defaults.cluster.secret_file);
  CHECK(from_file.cluster.signing_key_file == defaults.cluster.signing_key_file);
  CHECK(from_file.cluster.roles == defaults.cluster.roles);
  CHECK(from_file.cluster.lease_seconds == defaults.cluster.lease_seconds);
  CHECK(from_file.cluster.pull_cache_bytes == defaults.cluster.pull_cache_bytes);
}

TEST_CASE("cluster mode needs its shared pieces and refuses unknown roles") {
  CHECK_THROWS_WITH_AS(parse_config(R"({"cluster": {"enabled": true}})"), doctest::Contains("cluster.node: required"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(parse_config(R"({"cluster": {"enabled": true, "node": "a"}})"),
                       doctest::Contains("cluster.database: required"), ConfigError);
  const char* full = R"({"cluster": {"enabled": true, "node": "a", "database": "dbname=t", "secret_file": "s",
                         "signing_key_file": "k", "roles": ["serve", "juggle"]}})";
  CHECK_THROWS_WITH_AS(parse_config(full), doctest::Contains("unknown role \"juggle\""), ConfigError);
  CHECK_THROWS_WITH_AS(parse_config(R"({"cluster": {"roles": "serve"}})"),
                       doctest::Contains("cluster.roles: expected an array of strings"), ConfigError);
  const Config ok = parse_config(R"({"cluster": {"enabled": true, "node": "n1", "database": "dbname=t",
                                     "secret_file": "s", "signing_key_file": "k", "roles": ["serve"]}})");
  CHECK(ok.cluster.has_role("serve"));
  CHECK_FALSE(ok.cluster.has_role("ingest"));
  CHECK(Config{}.cluster.has_role("ingest"));  // a single box does everything
}

TEST_CASE("comments are allowed and values override defaults") {
  const Config config = parse_config(R"({
    // a line comment
    "http": { "listen": "127.0.0.1:0" /* inline */ },
    "live": { "segment_seconds": 1 }
  })");
  CHECK(config.http.listen == "127.0.0.1:0");
  CHECK(config.live.segment_seconds == 1.0);
}

TEST_CASE("errors name the key path and the problem") {
  CHECK(error_of(R"({"http": {"listen": "80"}})") == R"(http.listen: expected "host:port", got "80")");
  CHECK(error_of(R"({"rtmp": {"listen": 1935}})") == R"(rtmp.listen: expected a string, got 1935)");
  CHECK(error_of(R"({"http": {"max_header_bytes": -1}})") ==
        "http.max_header_bytes: expected a whole number >= 0, got -1");
  CHECK(error_of(R"({"live": {"segment_seconds": 100}})") ==
        "live.segment_seconds: expected a number from 0.5 to 20, got 100");
  CHECK(error_of(R"({"htttp": {}})") == "htttp: unknown key");
  CHECK(error_of(R"({"http": {"lisen": "x"}})") == "http.lisen: unknown key");
  CHECK(error_of(R"({"http": []})") == "http: expected an object, got []");
  CHECK(error_of(R"({"log_level": "loud"})") == R"(log_level: expected debug, info, warn, error or off, got "loud")");
  CHECK(error_of("{ nope").starts_with("invalid JSON: "));
  // A number too large for a double is a config error, not an escaping exception (found by fuzz_config).
  CHECK(error_of(R"({"live": {"segment_seconds": 1e999}})").starts_with("invalid JSON: "));
  CHECK(error_of(R"({"rtmp": {"max_connections": 4, "max_publishers": 8}})") ==
        "rtmp.max_connections: 4 is below rtmp.max_publishers (8)");
  CHECK(error_of(R"({"live": {"record": "yes"}})") == R"(live.record: expected true or false, got "yes")");
}

TEST_CASE("tls: the TLS listeners need a certificate and key") {
  const Config config = parse_config(R"({"http": {"https_listen": "0.0.0.0:8443"},
    "rtmp": {"rtmps_listen": "0.0.0.0:1936"},
    "tls": {"certificate": "/etc/tidecast/fullchain.pem", "private_key": "/etc/tidecast/privkey.pem"}})");
  CHECK(config.http.https_listen == "0.0.0.0:8443");
  CHECK(config.rtmp.rtmps_listen == "0.0.0.0:1936");
  CHECK(config.tls.certificate == "/etc/tidecast/fullchain.pem");
  CHECK(config.tls.private_key == "/etc/tidecast/privkey.pem");
  // A certificate alone opens nothing; it is not an error.
  CHECK(parse_config(R"({"tls": {"certificate": "a.pem", "private_key": "b.pem"}})").http.https_listen.empty());
  CHECK(error_of(R"({"http": {"https_listen": "0.0.0.0:8443"}})") ==
        "http.https_listen: needs tls.certificate and tls.private_key");
  CHECK(error_of(R"({"rtmp": {"rtmps_listen": "1936"}, "tls": {"certificate": "a", "private_key": "b"}})") ==
        R"(rtmp.rtmps_listen: expected "host:port", got "1936")");
  CHECK(error_of(R"({"tls": {"cert": "a"}})") == "tls.cert: unknown key");
}

TEST_CASE("transcode: rungs replace the default ladder; errors name the rung") {
  const Config config = parse_config(R"({"transcode": {"enabled": false, "rungs": [
    {"name": "540p", "height": 540, "video_bitrate_kbps": 1800, "level": "3.1", "preset": "faster"}]}})");
  CHECK_FALSE(config.transcode.enabled);
  REQUIRE(config.transcode.rungs.size() == 1);
  CHECK(config.transcode.rungs[0].name == "540p");
  CHECK(config.transcode.rungs[0].maxrate_kbps == 0);  // derived later (1.07 x target)
  CHECK(config.transcode.rungs[0].profile == "high");
  CHECK(parse_config(R"({"transcode": {"rungs": []}})").transcode.rungs.empty());

  CHECK(error_of(R"({"transcode": {"rungs": {}}})") == "transcode.rungs: expected an array, got {}");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 10, "video_bitrate_kbps": 100}]}})") ==
        "transcode.rungs[0].height: expected a whole number from 16 to 4320, got 10");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 360}]}})") ==
        "transcode.rungs[0].video_bitrate_kbps: is required");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 360, "video_bitrate_kbps": 1.5}]}})") ==
        "transcode.rungs[0].video_bitrate_kbps: expected a whole number, got 1.5");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 360, "video_bitrate_kbps": 700,
        "preset": "turbo"}]}})") ==
        R"(transcode.rungs[0].preset: expected an x264 preset (ultrafast .. veryslow), got "turbo")");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 360, "video_bitrate_kbps": 700,
        "level": "3.7"}]}})") == R"(transcode.rungs[0].level: expected an H.264 level such as "3.1", got "3.7")");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 360, "video_bitrate_kbps": 700,
        "profile": "high10"}]}})") == R"(transcode.rungs[0].profile: expected baseline, main or high, got "high10")");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 360, "video_bitrate_kbps": 700, "fps": 30}]}})") ==
        "transcode.rungs[0].fps: unknown key");
  CHECK(error_of(R"({"transcode": {"rungs": [{"name": "a", "height": 360, "video_bitrate_kbps": 700},
        {"name": "a", "height": 240, "video_bitrate_kbps": 400}]}})") ==
        R"(transcode.rungs: rung name "a" appears twice)");
  CHECK(error_of(R"({"transcode": {"shed_queue_seconds": 0.1}})") ==
        "transcode.shed_queue_seconds: expected a number from 1 to 60, got 0.1");
}

TEST_CASE("http.trusted_proxies: loopback by default; every entry checked at start") {
  CHECK(Config().http.trusted_proxies == std::vector<std::string>{"127.0.0.0/8", "::1"});
  CHECK(parse_config("{}").http.trusted_proxies == std::vector<std::string>{"127.0.0.0/8", "::1"});
  CHECK(parse_config(R"({"http": {"trusted_proxies": []}})").http.trusted_proxies.empty());
  const Config config = parse_config(R"({"http": {"trusted_proxies": ["10.0.0.0/8", "fd00::/8", "192.0.2.7"]}})");
  CHECK(config.http.trusted_proxies == std::vector<std::string>{"10.0.0.0/8", "fd00::/8", "192.0.2.7"});

  const std::string expected = R"(expected an IP address or CIDR range such as "10.0.0.0/8" or "::1" )"
                               R"((no bits set past the prefix), got )";
  CHECK(error_of(R"({"http": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/33"]}})") ==
        "http.trusted_proxies[1]: " + expected + R"("10.0.0.0/33")");
  CHECK(error_of(R"({"http": {"trusted_proxies": ["proxy.internal"]}})") ==
        "http.trusted_proxies[0]: " + expected + R"("proxy.internal")");
  CHECK(error_of(R"({"http": {"trusted_proxies": ["10.0.0.1/8"]}})") ==
        "http.trusted_proxies[0]: " + expected + R"("10.0.0.1/8")");
  CHECK(error_of(R"({"http": {"trusted_proxies": [""]}})") == "http.trusted_proxies[0]: " + expected + R"("")");
  CHECK(error_of(R"({"http": {"trusted_proxies": "127.0.0.1"}})") ==
        R"(http.trusted_proxies: expected an array of strings, got "127.0.0.1")");
  CHECK(error_of(R"({"http": {"trusted_proxies": ["::1", 7]}})") ==
        R"(http.trusted_proxies: expected an array of strings, got ["::1",7])");
  // Hand-built configs (the embedding API) are checked too.
  Config built;
  built.http.trusted_proxies = {"not-an-address"};
  CHECK_THROWS_AS(tidecast::validate_config(built), ConfigError);
}

TEST_CASE("a missing config file names the path") {
  try {
    tidecast::load_config_file("/nonexistent/tidecast.json");
    FAIL("expected an error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "/nonexistent/tidecast.json: cannot open config file");
  }
}

TEST_CASE("host:port parsing") {
  using tidecast::core::parse_host_port;
  CHECK(parse_host_port("0.0.0.0:8080")->port == 8080);
  CHECK(parse_host_port("[::1]:0")->host == "::1");
  CHECK(parse_host_port("localhost:1935")->host == "localhost");
  CHECK_FALSE(parse_host_port("80"));
  CHECK_FALSE(parse_host_port(":80"));
  CHECK_FALSE(parse_host_port("host:"));
  CHECK_FALSE(parse_host_port("host:65536"));
  CHECK_FALSE(parse_host_port("host:8o"));
  CHECK_FALSE(parse_host_port("::1:80"));
}

TEST_CASE("rtmp.proxy_protocol and http.proxy_protocol: off by default, booleans only") {
  CHECK_FALSE(Config().rtmp.proxy_protocol);
  CHECK_FALSE(Config().http.proxy_protocol);
  const Config config = parse_config(R"({"rtmp": {"proxy_protocol": true}, "http": {"proxy_protocol": true}})");
  CHECK(config.rtmp.proxy_protocol);
  CHECK(config.http.proxy_protocol);
  CHECK(error_of(R"({"rtmp": {"proxy_protocol": "v2"}})").find("rtmp.proxy_protocol: ") == 0);
}

TEST_CASE("rtmp.trusted_proxies: empty (http's list) by default, its own list when set, every entry checked") {
  CHECK(Config().rtmp.trusted_proxies.empty());
  const Config config = parse_config(R"({"rtmp": {"proxy_protocol": true, "trusted_proxies": ["10.0.0.5"]}})");
  CHECK(config.rtmp.trusted_proxies == std::vector<std::string>{"10.0.0.5"});
  CHECK(error_of(R"({"rtmp": {"trusted_proxies": ["10.0.0.0/8", "haproxy"]}})").find("rtmp.trusted_proxies[1]: ") == 0);
}

TEST_CASE("config: chat limits are read and bounded") {
  const Config config = tidecast::parse_config(R"({"chat": {"max_message_chars": 200, "messages_burst": 3}})");
  CHECK(config.chat.max_message_chars == 200);
  CHECK(config.chat.messages_burst == 3);
  CHECK_THROWS_AS(tidecast::parse_config(R"({"chat": {"max_message_chars": 5000}})"), tidecast::ConfigError);
  CHECK_THROWS_AS(tidecast::parse_config(R"({"chat": {"nope": 1}})"), tidecast::ConfigError);
}

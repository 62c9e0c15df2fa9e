// The composition root: builds every component from the Config and wires them
// together. Nothing else in Tidecast constructs subsystems.
#include "tidecast/server.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <csignal>
#include <map>
#include <thread>

#include "api/auth.hpp"
#include "api/events_routes.hpp"
#include "api/first_run.hpp"
#include "api/media_links.hpp"
#include "api/routes.hpp"
#include "api/view_routes.hpp"
#include "app/catalog_adapters.hpp"
#include "app/catalog_faults.hpp"
#include "app/chat_wiring.hpp"
#include "app/cluster_node.hpp"
#include "app/runner_role.hpp"
#include "app/storage_role.hpp"
#include "catalog/catalog.hpp"
#include "catalog/login_attempt_repository.hpp"
#include "cluster/cluster_auth.hpp"
#include "core/address.hpp"
#include "core/clock.hpp"
#include "core/cpu_pool.hpp"
#include "core/file_limit.hpp"
#include "core/io_pool.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/process_stats.hpp"
#include "core/thread_name.hpp"
#include "core/tls_context.hpp"
#include "core/url_signer.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/static_assets.hpp"
#include "live/live_service.hpp"
#include "rtmp/server.hpp"
#include "transcode/av_util.hpp"
#include "vod/ladder_converter.hpp"
#include "vod/vod_service.hpp"

#ifndef TIDECAST_VERSION
#define TIDECAST_VERSION "0.0.0"
#endif

namespace tidecast {

namespace net = boost::asio;

const char* version() {
  return TIDECAST_VERSION;
}

struct Server::Impl {
  explicit Impl(Config c)
      : config(std::move(c)), log(*core::parse_log_level(config.log_level)), assets(http::embedded_files()) {}

  void wire_routes();
  void wire_metrics();
  void wire_events();
  http::Response handle_http(const http::Request& request, const http::ClientInfo& client);
  void count_http_rejection(std::string_view kind);
  void run_io_threads();

  Config config;
  core::Logger log;
  core::Metrics metrics;
  rtmp::ServerMetrics rtmp_metrics{metrics};
  core::Counter* http_by_class[6] = {};
  core::Counter* http_bytes = nullptr;
  std::map<std::string, core::Counter*, std::less<>> http_rejections;  // fixed at wiring, read-only after
  app::CatalogFaults catalog_faults{log};
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<api::Authenticator> auth;
  std::unique_ptr<core::UrlSigner> url_signer;
  std::unique_ptr<api::MediaLinks> media_links;
  // The first admin from the browser (while there are no users).
  std::unique_ptr<api::FirstRunSetup> setup;
  api::ChannelVisibility channel_visibility;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<core::CpuPool> cpu;
  http::StaticAssets assets;
  http::Router router;
  std::unique_ptr<app::CatalogChannelDirectory> channel_directory;
  std::unique_ptr<app::CatalogRecordings> recordings;
  std::shared_ptr<live::SegmentCacheBudget> segment_cache;
  std::unique_ptr<live::LiveService> live;
  std::unique_ptr<app::ClusterNode> cluster;       // cluster.enabled only
  http::Router storage_api;                        // cluster role storage: the internal storage routes
  std::unique_ptr<app::RunnerRole> runner;         // cluster role convert: conversion runners
  std::unique_ptr<vod::VodService> vod;            // outlives the HTTP sessions streaming uploads into it
  std::shared_ptr<core::TlsContext> tls;           // only with an HTTPS or RTMPS listener
  std::unique_ptr<core::IoPool> connection_loops;  // run the HTTP and RTMP connections; outlive `http` and `rtmp`
  std::unique_ptr<rtmp::Server> rtmp;
  std::unique_ptr<api::EventHub> events;  // Server-Sent Events; stopped before the io threads run dry
  static constexpr std::size_t kDiskThreads = 2;
  net::thread_pool disk{kDiskThreads};    // reads file bytes missing from the page cache
  std::unique_ptr<app::ChatWiring> chat;  // live chat rooms (src/chat/)
  std::unique_ptr<http::HttpServer> http;
  std::vector<std::thread> io_threads;
  std::atomic<unsigned> io_threads_running{0};
  // View counts, written in batches (api/view_routes.hpp).
  std::unique_ptr<api::ViewRecorder> views;
  bool running = false;
};

void Server::Impl::wire_routes() {
  api::ServerInfo info{version(),
                       [this] {
                         api::IngestUrls urls;
                         urls.rtmp = fmt::format("rtmp://<this-server>:{}/live", rtmp->port());
                         if (rtmp->tls_port() != 0) {
                           urls.rtmps = fmt::format("rtmps://<this-server>:{}/live", rtmp->tls_port());
                         }
                         return urls;
                       },
                       [this]() -> std::string {
                         if (!running) return "starting or stopping";
                         try {
                           catalog->database().exec("SELECT 1 FROM schema_version LIMIT 1");
                         } catch (const std::exception& e) {
                           return std::string("catalog unavailable: ") + e.what();
                         }
                         return {};
                       }};
  api::add_system_routes(router, info);
  const auto& a = config.accounts;
  // A cluster counts login attempts per address in the shared catalog (every node, one limit).
  api::LoginLimiter shared_logins;
  if (config.cluster.enabled) {
    shared_logins = [this, per_minute = a.login_attempts_per_minute](const std::string& address) {
      return catalog::LoginAttemptRepository(catalog->database()).attempt(address, per_minute);
    };
  }
  api::add_session_routes(router, *auth, log, {std::int64_t{a.session_hours} * 3600, a.login_attempts_per_minute},
                          std::move(shared_logins));
  api::add_channel_routes(router, {catalog->channels(), *live, *auth, channel_visibility, *media_links, log}, info);
  api::add_video_routes(router, {catalog->videos(), catalog->jobs(), *vod, *auth, *media_links, log});
  api::add_upload_routes(router, *vod, *auth, catalog->videos(), catalog->uploads());
  api::add_token_routes(router, *auth, log);
  api::add_live_routes(router, *live, channel_visibility);
  api::MediaCounters media_counters{
      metrics.counter("tidecast_segment_cache_requests_total", "Live segment requests", {{"result", "hit"}}),
      metrics.counter("tidecast_segment_cache_requests_total", "Live segment requests", {{"result", "miss"}}),
      metrics.counter("tidecast_media_refused_total",
                      "Media requests refused for a bad, expired or missing signature")};
  api::add_media_routes(router, *live, catalog->videos(), channel_visibility, *media_links, log, media_counters);
  api::add_metrics_route(router, metrics);
  views = std::make_unique<api::ViewRecorder>(ioc, catalog->videos(), log);
  api::add_view_routes(router, *views, catalog->videos(), *auth, log);
  wire_events();
  chat = std::make_unique<app::ChatWiring>(ioc, log, *catalog, *live, *auth,
                                           config.cluster.enabled ? config.cluster.node : std::string(), config.chat);
  chat->add_routes(router);
  chat->add_metrics(metrics);
  api::add_channel_page_routes(router, {.channels = catalog->channels(),
                                        .videos = catalog->videos(),
                                        .live = *live,
                                        .auth = *auth,
                                        .links = *media_links,
                                        .log = log,
                                        .avatars_dir = config.data_dir / "avatars",
                                        .page = assets.bytes("/channel.html")});
  setup = std::make_unique<api::FirstRunSetup>(catalog->users());
  api::add_setup_routes(router, *setup, *auth, log,
                        {std::int64_t{a.session_hours} * 3600, a.login_attempts_per_minute});
  router.set_fallback([this](const http::Request& request, const http::RouteContext& context) {
    return assets.serve(request, context.path);
  });
}

void Server::Impl::wire_events() {
  api::EventSources sources{[this] { return catalog->videos().list(100); },
                            [this] { return catalog->jobs().list(100); },
                            [this] {
                              std::vector<std::string> names;
                              for (const auto& channel : live->live_channels()) {
                                auto status = channel->status();
                                if (status.publishing) names.push_back(std::move(status.channel));
                              }
                              // A cluster's channels live on other nodes.
                              for (auto& remote : live->live_elsewhere()) names.push_back(std::move(remote.channel));
                              return names;
                            }};
  events = std::make_unique<api::EventHub>(ioc, log, std::move(sources));
  api::add_event_routes(
      router, *events,
      [this](const http::Request& request, const http::RouteContext&) -> std::optional<api::VideoFilter> {
        const auto who = auth->resolve(request);
        if (!who) return std::nullopt;
        if (who->admin()) return api::VideoFilter{};  // admins (and CLI tokens) see every video
        return api::VideoFilter{
            [user = who->user_id](const catalog::Video& video) { return user && video.owner_id == user; }};
      });
}

void Server::Impl::wire_metrics() {
  for (int i = 1; i <= 5; ++i) {
    http_by_class[i] = &metrics.counter("tidecast_http_requests_total", "HTTP requests answered, by status class",
                                        {{"code", fmt::format("{}xx", i)}});
  }
  http_bytes = &metrics.counter("tidecast_http_response_bytes_total", "HTTP response body bytes");
  for (const char* kind : {"header_too_large", "body_too_large", "bad_request", "request_timeout", "write_timeout",
                           "connection_limit", "connection_limit_per_ip", "proxy_protocol"}) {
    http_rejections[kind] =
        &metrics.counter("tidecast_http_errors_total", "Requests refused or cut off by the server", {{"kind", kind}});
  }
  metrics.add_collector([this](std::vector<core::CollectedSample>& out) {
    const core::ProcessStats process = core::read_process_stats();
    out.push_back({"process_cpu_seconds_total", "User and system CPU time", "counter", {}, process.cpu_seconds});
    out.push_back(
        {"process_resident_memory_bytes", "Resident memory", "gauge", {}, static_cast<double>(process.resident_bytes)});
    out.push_back({"process_open_fds", "Open file descriptors", "gauge", {}, static_cast<double>(process.open_fds)});
    out.push_back({"tidecast_http_connections",
                   "Open HTTP connections",
                   "gauge",
                   {},
                   static_cast<double>(http ? http->active_connections() : 0)});
    out.push_back({"tidecast_http_file_cold_reads_total",
                   "On-demand file spans read from the disk before sending (not in the page cache)",
                   "counter",
                   {},
                   static_cast<double>(http ? http->cold_file_reads() : 0)});
    out.push_back({"tidecast_rtmp_publishers",
                   "Publishing RTMP sessions",
                   "gauge",
                   {},
                   static_cast<double>(rtmp ? rtmp->active_publishers() : 0)});
    const auto channels = live ? live->live_channels() : std::vector<std::shared_ptr<live::LiveChannel>>{};
    out.push_back(
        {"tidecast_live_streams", "Live presentations in progress", "gauge", {}, static_cast<double>(channels.size())});
    for (const auto& channel : channels) {
      const auto status = channel->status();
      out.push_back({"tidecast_live_viewers",
                     "Estimated viewers (distinct addresses, last 30 s)",
                     "gauge",
                     {{"channel", status.channel}},
                     static_cast<double>(status.viewers)});
      out.push_back({"tidecast_live_bitrate_bits",
                     "Average bitrate of the live presentation",
                     "gauge",
                     {{"channel", status.channel}},
                     static_cast<double>(status.bitrate)});
      for (const auto& rung : status.rungs) {
        const core::Labels labels{{"channel", status.channel}, {"rung", rung.name}};
        out.push_back({"tidecast_transcode_fps", "Frames encoded per second, per rung", "gauge", labels, rung.fps});
        out.push_back({"tidecast_transcode_speed", "Media seconds encoded per wall second, per rung", "gauge", labels,
                       rung.speed});
        out.push_back({"tidecast_transcode_queue_seconds", "Media seconds waiting for the rung's encoder", "gauge",
                       labels, rung.queue_seconds});
        out.push_back({"tidecast_transcode_rung_active", "1 while the rung is encoded, 0 while shed", "gauge", labels,
                       rung.active ? 1.0 : 0.0});
        out.push_back({"tidecast_transcode_shed_total", "Times the rung was shed under overload", "counter", labels,
                       static_cast<double>(rung.shed_count)});
      }
    }
    if (catalog) {
      try {
        for (const auto& [state, count] : catalog->jobs().count_by_state()) {
          out.push_back(
              {"tidecast_jobs", "Conversion jobs by state", "gauge", {{"state", state}}, static_cast<double>(count)});
        }
      } catch (const std::exception&) {
        // The catalog being busy must not fail a scrape.
      }
    }
    out.push_back({"tidecast_segment_cache_bytes",
                   "Live segment bytes held in memory",
                   "gauge",
                   {},
                   static_cast<double>(segment_cache ? segment_cache->used.load() : 0)});
  });
}

http::Response Server::Impl::handle_http(const http::Request& request, const http::ClientInfo& client) {
  http::Response response;
  try {
    response = cluster ? cluster->handle(request, client) : router.handle(request, client);
  } catch (const std::exception& e) {
    auto unavailable = catalog_faults.respond(e);
    if (!unavailable) throw;  // the session answers 500 and logs it
    response = std::move(*unavailable);
  }
  const int code_class = response.result_int() / 100;
  if (code_class >= 1 && code_class <= 5) http_by_class[code_class]->inc();
  http_bytes->inc(http::BytesBody::size(response.body()));
  return response;
}

void Server::Impl::count_http_rejection(std::string_view kind) {
  const auto it = http_rejections.find(kind);
  if (it != http_rejections.end()) it->second->inc();
}

void Server::Impl::run_io_threads() {
  connection_loops->start();
  work.emplace(ioc.get_executor());
  io_threads_running = config.threads.io;
  for (unsigned i = 0; i < config.threads.io; ++i) {
    io_threads.emplace_back([this] {
      core::name_this_thread("tc-main");
      try {
        ioc.run();
      } catch (const std::exception& e) {
        log.error("server", "io thread stopped error=\"{}\"", e.what());
      }
      --io_threads_running;
    });
  }
}

Server::Server(Config config) {
  validate_config(config);
  impl_ = std::make_unique<Impl>(std::move(config));
}

Server::~Server() {
  stop();
}

void Server::start() {
  Impl& s = *impl_;
  if (s.running) return;
  // On-demand files go out with sendfile(), which cannot take MSG_NOSIGNAL:
  // a viewer closing mid-file must be an EPIPE error, not a process kill.
  std::signal(SIGPIPE, SIG_IGN);
  const core::FileLimit files = core::raise_open_file_limit();
  std::error_code ec;
  std::filesystem::create_directories(s.config.data_dir, ec);
  if (ec) throw std::runtime_error(fmt::format("data_dir {}: {}", s.config.data_dir.string(), ec.message()));

  const auto& c = s.config.cluster;
  const std::string catalog_location = app::catalog_location(s.config);
  try {
    s.catalog = std::make_unique<catalog::Catalog>(catalog_location);
  } catch (const std::exception& e) {
    // E.g. a read-only file system: "unable to open database file" alone names nothing.
    throw std::runtime_error(fmt::format("catalog {}: {} (is data_dir writable?)", catalog_location, e.what()));
  }
  if (c.enabled) {
    s.log.info("catalog", "opened shared catalog (PostgreSQL) node={}", c.node);
  } else {
    s.log.info("catalog", "opened file={}", catalog_location);
  }
  if (s.catalog->users().count() == 0) {
    s.log.info("accounts", "no users yet: create the first admin with `tidecast admin create-user NAME --role admin`");
  }
  s.auth = std::make_unique<api::Authenticator>(s.catalog->users(), s.catalog->sessions(), s.catalog->tokens());
  if (const int expired = s.catalog->sessions().remove_expired(core::unix_now_ms() / 1000); expired > 0) {
    s.log.info("accounts", "removed expired sessions count={}", expired);
  }
  std::string cluster_secret;
  if (c.enabled) {
    // Shared files, never made per node: a key made here would sign links no other node accepts.
    if (!std::filesystem::exists(c.signing_key_file)) {
      throw std::runtime_error(
          fmt::format("cluster.signing_key_file {}: no such file (make it once with "
                      "`head -c 32 /dev/urandom > FILE` and copy it to every node)",
                      c.signing_key_file));
    }
    cluster_secret = cluster::load_secret_file(c.secret_file, "cluster.secret_file");
  }
  const auto key_file = c.enabled ? std::filesystem::path(c.signing_key_file) : s.config.data_dir / "url_signing.key";
  const std::string signing_key = core::load_or_create_signing_key(key_file);
  if (c.enabled) app::check_cluster_agreement(s.catalog->database(), signing_key, cluster_secret);
  s.url_signer = std::make_unique<core::UrlSigner>(signing_key);
  s.channel_visibility.load(s.catalog->channels().list());
  s.media_links = std::make_unique<api::MediaLinks>(s.config.data_dir / "videos", *s.url_signer,
                                                    std::int64_t{s.config.accounts.signed_url_seconds});
  // On a shared catalog the other nodes' recordings are in progress, not interrupted.
  if (const std::size_t interrupted = c.enabled ? 0 : app::fail_interrupted_recordings(s.catalog->database());
      interrupted > 0) {
    s.log.warn("catalog", "interrupted live recordings marked failed count={}", interrupted);
  }

  s.cpu = std::make_unique<core::CpuPool>(s.config.threads.cpu);
  s.channel_directory = std::make_unique<app::CatalogChannelDirectory>(s.catalog->channels());
  s.recordings = std::make_unique<app::CatalogRecordings>(s.catalog->videos(), s.catalog->channels());
  const auto& l = s.config.live;
  auto cache = std::make_shared<live::SegmentCacheBudget>();
  cache->budget = l.cache_bytes;
  cache->stream_budget = l.stream_cache_bytes;
  s.segment_cache = cache;
  live::LiveServiceOptions live_options;
  live_options.channel.segment_seconds = l.segment_seconds;
  if (l.latency_mode == "low") live_options.channel.part_seconds = l.part_seconds;
  live_options.low_latency_part_seconds = l.part_seconds;  // channels set to "low"
  live_options.channel.playlist_segments = l.playlist_segments;
  live_options.channel.record = l.record;
  live_options.channel.thumbnail_seconds = l.thumbnail_seconds;
  live_options.channel.thumbnails_made =
      &s.metrics.counter("tidecast_live_thumbnails_made_total", "Live thumbnails made (on demand, when asked for)");
  live_options.channel.videos_dir = s.config.data_dir / "videos";
  live_options.channel.cache = cache;
  live_options.channel.ladder = s.config.transcode;
  live_options.channel.cpu_threads = s.cpu->size();
  live_options.reconnect_grace_seconds = l.reconnect_grace_seconds;
  s.live = std::make_unique<live::LiveService>(s.ioc, s.log, *s.channel_directory, *s.recordings, s.cpu->executor(),
                                               live_options);
  transcode::set_libav_log_level(s.log.level());
  const auto& j = s.config.jobs;
  vod::VodOptions vod_options;
  vod_options.data_dir = s.config.data_dir;
  vod_options.video_changes = &s.catalog->video_changes();  // its deletions reach the /vod lookup cache at once
  vod_options.catalog_location = catalog_location;
  vod_options.shared_catalog = c.enabled;
  vod_options.max_upload_bytes = s.config.uploads.max_bytes;
  vod_options.upload_expiry = std::chrono::hours(s.config.uploads.expire_hours);
  vod_options.workers = c.has_role("convert") ? j.workers : 0;  // a node without the role converts nothing
  if (c.enabled) {
    vod_options.workers = 0;  // a cluster converts through leased runners (app/runner_role.hpp)
    vod_options.store_node = c.node;
    s.recordings->store_on(c.node, &s.catalog->database());
  }
  vod_options.retry = {static_cast<int>(j.max_attempts), std::int64_t{j.retry_delay_seconds} * 1000, 3'600'000};
  vod_options.nice = j.nice;
  vod_options.job_durations = &s.metrics.histogram("tidecast_job_duration_seconds", "Wall time of finished conversions",
                                                   {5, 15, 30, 60, 120, 300, 600, 1800, 3600});
  vod_options.job_failures = &s.metrics.counter("tidecast_job_failures_total", "Conversion attempts that failed");
  auto converter = std::make_unique<vod::LadderConverter>(
      s.log, vod::LadderConverterOptions{s.config.transcode, l.segment_seconds, j.threads, j.max_seconds});
  s.vod = std::make_unique<vod::VodService>(s.log, std::move(vod_options), std::move(converter));
  s.wire_metrics();
  s.wire_routes();
  s.vod->start();

  if (!s.config.http.https_listen.empty() || !s.config.rtmp.rtmps_listen.empty()) {
    s.tls = std::make_shared<core::TlsContext>(s.log, s.config.tls.certificate, s.config.tls.private_key);
  }
  const auto& r = s.config.rtmp;
  rtmp::ServerLimits rtmp_limits{r.handshake_timeout_seconds,
                                 r.idle_timeout_seconds,
                                 r.max_message_bytes,
                                 r.max_publishers,
                                 r.max_connections,
                                 r.max_connections_per_ip,
                                 static_cast<std::uint32_t>(r.max_chunk_bytes)};
  if (c.enabled) {
    s.cluster = std::make_unique<app::ClusterNode>(c, cluster_secret, s.ioc, s.log, s.metrics, s.catalog->database(),
                                                   *s.live, *s.channel_directory,
                                                   [&s](const http::Request& request, const http::ClientInfo& client) {
                                                     return s.router.handle(request, client);
                                                   });
  }
  if (s.cluster) {
    s.chat->relay_with([&s](std::string_view target) {
      return std::map<std::string, std::string>{
          {std::string(cluster::kClusterHeader), s.cluster->auth().sign("GET", target, core::unix_now_ms() / 1000)}};
    });
  }
  if (s.cluster && s.cluster->stores()) {
    app::add_storage_role(*s.cluster, s.storage_api, s.router, catalog_location, s.config.data_dir, s.log);
  }
  if (c.enabled && c.has_role("convert"))
    s.runner = std::make_unique<app::RunnerRole>(s.config, cluster_secret, s.log, s.metrics);
  rtmp::PublishGateway& gateway = s.cluster ? s.cluster->gateway() : static_cast<rtmp::PublishGateway&>(*s.live);
  s.connection_loops = std::make_unique<core::IoPool>(s.log, "io", s.config.threads.io);
  s.rtmp = std::make_unique<rtmp::Server>(s.ioc, *s.connection_loops, s.log, rtmp_limits, gateway, s.rtmp_metrics);
  if (r.proxy_protocol) {
    s.rtmp->use_proxy_protocol(core::TrustedProxies::from_config(
        r.trusted_proxies.empty() ? s.config.http.trusted_proxies : r.trusted_proxies));
  }
  const auto rtmp_address = *core::parse_host_port(r.listen);
  s.rtmp->listen(rtmp_address.host, rtmp_address.port);
  if (!r.rtmps_listen.empty()) {
    const auto address = *core::parse_host_port(r.rtmps_listen);
    s.rtmp->listen_tls(address.host, address.port, s.tls);
  }

  const auto& h = s.config.http;
  http::ServerLimits limits;
  limits.max_header_bytes = h.max_header_bytes;
  limits.max_body_bytes = h.max_body_bytes;
  limits.request_timeout_seconds = h.request_timeout_seconds;
  limits.idle_timeout_seconds = h.idle_timeout_seconds;
  limits.write_timeout_seconds = h.write_timeout_seconds;
  limits.max_connections = h.max_connections;
  limits.max_connections_per_ip = h.max_connections_per_ip;
  limits.min_stream_bytes_per_second = s.config.uploads.min_bytes_per_second;
  limits.trusted_proxies = core::TrustedProxies::from_config(h.trusted_proxies);  // validated by validate_config
  s.http = std::make_unique<http::HttpServer>(
      s.ioc, *s.connection_loops, s.log, limits,
      [&s](const http::Request& request, const http::ClientInfo& client) { return s.handle_http(request, client); },
      [&s](const http::RequestHead& head, const http::ClientInfo& client) -> std::optional<http::StreamStart> {
        try {
          if (s.cluster && !s.cluster->stores() && cluster::is_upload_request(head.method(), head.target())) {
            return http::StreamStart::refuse(cluster::not_storage_response(s.config.cluster.node));
          }
          return s.router.stream(head, client);
        } catch (const std::exception& e) {
          auto unavailable = s.catalog_faults.respond(e);
          if (!unavailable) throw;
          return http::StreamStart::refuse(std::move(*unavailable));
        }
      });
  if (h.proxy_protocol) s.http->use_proxy_protocol();
  const auto http_address = *core::parse_host_port(h.listen);
  s.http->listen(http_address.host, http_address.port);
  if (!h.https_listen.empty()) {
    const auto address = *core::parse_host_port(h.https_listen);
    s.http->listen_tls(address.host, address.port, s.tls);
  }
  s.http->on_reject([&s](std::string_view kind) { s.count_http_rejection(kind); });
  core::name_pool_threads(s.disk, Impl::kDiskThreads, "tc-disk");
  s.http->read_files_on(s.disk);
  if (s.cluster) {
    std::string url = c.internal_url;
    if (url.empty()) {
      if (http_address.host == "0.0.0.0" || http_address.host == "::" || http_address.host.empty()) {
        throw std::runtime_error("cluster.internal_url: required when http.listen binds every address");
      }
      const bool v6 = http_address.host.find(':') != std::string::npos;
      url = v6 ? fmt::format("http://[{}]:{}", http_address.host, s.http->port())
               : fmt::format("http://{}:{}", http_address.host, s.http->port());
    }
    // Privacy set on another node holds here within a second.
    s.cluster->every_second("channel visibility", [&s] { s.channel_visibility.load(s.catalog->channels().list()); });
    s.cluster->start(url);
  }
  if (s.runner) s.runner->start();
  s.http->start();
  s.events->start();
  s.views->start();
  s.chat->start();
  s.rtmp->start();
  s.run_io_threads();
  s.running = true;
  s.log.info("server", "started version={} http={}:{} rtmp={}:{} data_dir={} io_threads={} cpu_threads={}", version(),
             http_address.host, s.http->port(), rtmp_address.host, s.rtmp->port(), s.config.data_dir.string(),
             s.config.threads.io, s.cpu->size());
  s.log.info("server", "open_file_limit={} (was {})", files.now, files.before);
  if (const auto token = s.setup->open()) {
    // Wildcard listeners: this machine's own name works from its own browser.
    const bool wildcard = http_address.host == "0.0.0.0" || http_address.host == "::" || http_address.host.empty();
    const std::string host = wildcard                                           ? "localhost"
                             : http_address.host.find(':') != std::string::npos ? fmt::format("[{}]", http_address.host)
                                                                                : http_address.host;
    s.log.info("accounts", "first run: create the admin account at http://{}:{}/setup.html?token={} (works once)", host,
               s.http->port(), *token);
  }
  s.log.info("server", "trusted_proxies={}", limits.trusted_proxies.to_string());
  if (r.proxy_protocol || h.proxy_protocol) {
    s.log.info("server", "proxy_protocol rtmp={} http={} (required from trusted_proxies, refused from others)",
               r.proxy_protocol, h.proxy_protocol);
  }
  if (s.tls) {
    s.log.info("server", "tls https_port={} rtmps_port={} certificate={}", s.http->tls_port(), s.rtmp->tls_port(),
               s.config.tls.certificate.string());
  }
}

namespace {
// Polls `done` until it holds or `limit` passes; shutdown must never hang on a stuck peer.
template <class Done>
bool wait_until(Done done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}
}  // namespace

void Server::stop() {
  if (!impl_ || !impl_->running) return;
  Impl& s = *impl_;
  s.running = false;
  s.log.info("server", "stopping");
  // Publishers first: their sessions close, then every live presentation
  // ends its playlists and finishes its recording (on the CPU pool).
  s.rtmp->stop();
  if (s.runner) s.runner->stop();  // interrupts conversions in progress; their jobs go back to the queue
  if (s.cluster) s.cluster->stop();
  s.http->stop();
  s.events->stop();
  s.views->stop();
  wait_until([&] { return s.rtmp->active_connections() == 0; }, std::chrono::seconds(2));
  s.live->stop();
  // Let responses in flight finish, then let the io threads run out of work
  // so no handler is left pending when the components are destroyed.
  wait_until([&] { return s.http->active_connections() == 0; }, std::chrono::seconds(3));
  s.connection_loops->join(std::chrono::seconds(3));
  s.disk.join();
  // No connection is left to say anything: chat stores what it accepted and
  // stops its ticker, which would otherwise keep the main loop busy.
  s.chat->stop();
  s.work.reset();
  if (!wait_until([&] { return s.io_threads_running.load() == 0; }, std::chrono::seconds(3))) {
    s.log.warn("server", "io threads still busy after 3 s; stopping them");
    s.ioc.stop();
  }
  for (auto& thread : s.io_threads) thread.join();
  s.io_threads.clear();
  s.vod->stop();  // waits for a conversion in progress; an interrupted one would run again at the next start
  s.cpu->join();
  try {
    s.catalog->checkpoint();
  } catch (const std::exception& e) {
    s.log.warn("catalog", "checkpoint failed error=\"{}\"", e.what());
  }
  s.log.info("server", "stopped");
}

void Server::reload(const Config& config) {
  validate_config(config);
  Impl& s = *impl_;
  const auto level = *core::parse_log_level(config.log_level);
  s.log.set_level(level);
  s.config.log_level = config.log_level;
  s.log.info("server", "reloaded log_level={} (listen addresses, data_dir and limits need a restart)",
             config.log_level);
  // A renewed certificate (e.g. certbot's deploy hook sends SIGHUP) is taken
  // by new connections; open ones keep the one they started with.
  if (s.tls) s.tls->reload();
}

std::uint16_t Server::http_port() const {
  return impl_->http ? impl_->http->port() : 0;
}
std::uint16_t Server::rtmp_port() const {
  return impl_->rtmp ? impl_->rtmp->port() : 0;
}
std::uint16_t Server::https_port() const {
  return impl_->http ? impl_->http->tls_port() : 0;
}
std::uint16_t Server::rtmps_port() const {
  return impl_->rtmp ? impl_->rtmp->tls_port() : 0;
}
const Config& Server::config() const {
  return impl_->config;
}

}  // namespace tidecast

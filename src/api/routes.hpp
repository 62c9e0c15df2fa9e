#pragma once
// The /api/v1 routes. Each add_* function registers one resource's handlers;
// the composition root decides which are mounted. Every route that needs to
// know the caller asks the one Authenticator (api/auth.hpp); the access
// matrix is in docs/security.md.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "api/auth.hpp"
#include "api/channel_visibility.hpp"
#include "api/media_links.hpp"
#include "catalog/channel_repository.hpp"
#include "catalog/job_repository.hpp"
#include "catalog/token_repository.hpp"
#include "catalog/upload_repository.hpp"
#include "catalog/video_repository.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "live/live_service.hpp"
#include "vod/vod_service.hpp"

namespace tidecast::api {

// Where encoders publish, e.g. "rtmp://<this-server>:1935/live" (the web app puts
// its own host name in place of <this-server>); rtmps is empty without an RTMPS listener.
struct IngestUrls {
  std::string rtmp;
  std::string rtmps;
};

struct ServerInfo {
  std::string version;
  // Read when asked: the ports are known only once the listeners are bound.
  std::function<IngestUrls()> ingest_urls;
  // Readiness: empty when the server can take traffic, else why not.
  std::function<std::string()> not_ready_reason;
};

struct SessionOptions {
  std::int64_t lifetime_seconds = 7 * 24 * 3600;
  unsigned login_attempts_per_minute = 10;
};

// {"rtmp_url": ..., "rtmps_url": ...} (rtmps only when listening) merged into `out`.
nlohmann::json with_ingest_urls(nlohmann::json out, const ServerInfo& info);

// GET /api/v1/health (liveness), /api/v1/ready (readiness), /api/v1/version, /api/v1/time
void add_system_routes(http::Router& router, ServerInfo info);
// POST (sign in), GET (who am I), DELETE (sign out) /api/v1/session
void add_session_routes(http::Router& router, const Authenticator& auth, core::Logger& log, SessionOptions options);
// The same with the login limit kept elsewhere (a cluster's shared catalog):
// `attempt(address)` counts one and answers 0, or the seconds to wait.
using LoginLimiter = std::function<std::int64_t(const std::string& address)>;
void add_session_routes(http::Router& router, const Authenticator& auth, core::Logger& log, SessionOptions options,
                        LoginLimiter shared_limiter);
// GET/POST /api/v1/channels, POST /api/v1/channels/{name}/key, PATCH/DELETE /api/v1/channels/{name}
struct ChannelRouteDeps {
  catalog::ChannelRepository& channels;
  live::LiveService& live;
  const Authenticator& auth;
  ChannelVisibility& visibility;
  const MediaLinks& links;
  core::Logger& log;
};
void add_channel_routes(http::Router& router, ChannelRouteDeps deps, ServerInfo info);

struct VideoRouteDeps {
  catalog::VideoRepository& videos;
  catalog::JobRepository& jobs;
  vod::VodService& vod;
  const Authenticator& auth;
  const MediaLinks& links;
  core::Logger& log;
};
// GET /api/v1/videos (paged, searchable, ?mine=1, ?channel=NAME), GET/PATCH/DELETE /api/v1/videos/{id},
// POST /api/v1/videos/{id}/retry, GET /api/v1/jobs
void add_video_routes(http::Router& router, VideoRouteDeps deps);

// Uploads, behind a session or an API token: tus 1.0 at /api/v1/uploads
// (OPTIONS, POST, HEAD/GET, PATCH, DELETE; streamed to disk) and POST
// /api/v1/videos (raw or multipart body, streamed to disk). The uploader owns
// the video.
void add_upload_routes(http::Router& router, vod::VodService& vod, const Authenticator& auth,
                       catalog::VideoRepository& videos, catalog::UploadRepository& uploads);
// GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}: a user's own API tokens
void add_token_routes(http::Router& router, const Authenticator& auth, core::Logger& log);
// GET /api/v1/live (public channels only)
void add_live_routes(http::Router& router, live::LiveService& live, const ChannelVisibility& visibility);
// The answer to /live/<channel>/... while the channel is not live (never was,
// or its stream ended): 404 {"error":{"code":"offline",...},"channel":...},
// never stale media. Its recording stays under /vod/<id>/.
http::Response live_offline(std::string_view channel);
struct MediaCounters {
  core::Counter& segment_hits;    // live segment served from memory
  core::Counter& segment_misses;  // live segment asked for but not (or no longer) there
  core::Counter& refused;         // media requests refused for their signature (MediaRefusals)
};
// GET /live/{channel}/... (memory) and /vod/{id}/... (disk); private channels
// and videos only under a signed segment
void add_media_routes(http::Router& router, live::LiveService& live, catalog::VideoRepository& videos,
                      const ChannelVisibility& private_channels, const MediaLinks& links, core::Logger& log,
                      MediaCounters counters);
// GET /metrics (Prometheus text format)
void add_metrics_route(http::Router& router, const core::Metrics& metrics);

// GET /c/{channel} (the channel page: `page` with its head filled in; 404 page
// when unknown), POST/DELETE /api/v1/channels/{name}/avatar, GET /avatars/{file}
struct ChannelPageDeps {
  catalog::ChannelRepository& channels;
  catalog::VideoRepository& videos;
  const live::LiveService& live;
  const Authenticator& auth;
  const MediaLinks& links;
  core::Logger& log;
  std::filesystem::path avatars_dir;
  std::string_view page;  // channel.html (embedded, static storage)
};
void add_channel_page_routes(http::Router& router, ChannelPageDeps deps);

}  // namespace tidecast::api

#pragma once
// The /api/v1 routes. Each add_* function registers one resource's handlers;
// the composition root decides which are mounted.
#include <filesystem>
#include <functional>
#include <string>

#include "catalog/channel_repository.hpp"
#include "catalog/job_repository.hpp"
#include "catalog/token_repository.hpp"
#include "catalog/video_repository.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "live/live_service.hpp"
#include "vod/vod_service.hpp"

namespace tidecast::api {

struct ServerInfo {
  std::string version;
  std::string rtmp_url_hint;  // e.g. "rtmp://<host>:1935/live", shown with new keys
  // Readiness: empty when the server can take traffic, else why not.
  std::function<std::string()> not_ready_reason;
};

// GET /api/v1/health (liveness), /api/v1/ready (readiness), /api/v1/version, /api/v1/time
void add_system_routes(http::Router& router, ServerInfo info);
// GET/POST /api/v1/channels
void add_channel_routes(http::Router& router, catalog::ChannelRepository& channels, ServerInfo info);
// GET /api/v1/videos, /api/v1/videos/{id} (with its conversion job's progress when `jobs` is given)
void add_video_routes(http::Router& router, catalog::VideoRepository& videos, catalog::JobRepository* jobs = nullptr);
// Uploads and their processing, all behind an API token (api/auth.hpp):
// tus 1.0 at /api/v1/uploads (OPTIONS, POST, HEAD/GET, PATCH, DELETE; streamed
// to disk), POST /api/v1/videos (raw or multipart body, streamed to disk),
// DELETE /api/v1/videos/{id}, GET /api/v1/jobs.
void add_upload_routes(http::Router& router, vod::VodService& vod, catalog::TokenRepository& tokens,
                       catalog::JobRepository& jobs);
// GET /api/v1/live
void add_live_routes(http::Router& router, live::LiveService& live);
struct MediaCounters {
  core::Counter& segment_hits;    // live segment served from memory
  core::Counter& segment_misses;  // live segment asked for but not (or no longer) there
};
// GET /live/{channel}/... (memory) and /vod/{id}/... (disk)
void add_media_routes(http::Router& router, live::LiveService& live, catalog::VideoRepository& videos,
                      std::filesystem::path videos_dir, MediaCounters counters);
// GET /metrics (Prometheus text format)
void add_metrics_route(http::Router& router, const core::Metrics& metrics);

}  // namespace tidecast::api

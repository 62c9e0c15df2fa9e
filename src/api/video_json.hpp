#pragma once
// JSON shapes of videos and jobs, shared by the video, upload and job routes.
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "api/media_links.hpp"
#include "catalog/job_repository.hpp"
#include "catalog/video_repository.hpp"

namespace tidecast::api {

// Without media URLs (for videos not ready yet).
nlohmann::json video_json(const catalog::Video& video);
// With "urls" (signed for private videos) and the "hls"/"dash" shortcuts.
nlohmann::json video_json(const catalog::Video& video, const MediaLinks& links, std::int64_t now_unix);
// The conversion job as a video shows it: state, progress (percent), fps, eta_seconds, attempts, error.
nlohmann::json job_progress_json(const catalog::Job& job);
// A job in GET /api/v1/jobs.
nlohmann::json job_json(const catalog::Job& job);
nlohmann::json renditions_json(const std::vector<catalog::Rendition>& renditions);

}  // namespace tidecast::api

#include "api/video_json.hpp"

#include <cmath>
#include <cstdint>

#include "vod/failure_kind.hpp"

namespace tidecast::api {

namespace {

template <class T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// To `decimals` places. Dividing by a power of ten (not multiplying by 0.1)
// gives the double nearest the decimal, so JSON shows 116.8, not 116.80000000000001.
nlohmann::json rounded(const std::optional<double>& value, int decimals) {
  if (!value) return nullptr;
  const double scale = std::pow(10.0, decimals);
  return std::round(*value * scale) / scale;
}

}  // namespace

nlohmann::json video_json(const catalog::Video& video) {
  nlohmann::json out = {{"id", video.id},
                        {"title", video.title},
                        {"description", video.description},
                        {"origin", catalog::to_string(video.origin)},
                        {"state", catalog::to_string(video.state)},
                        {"visibility", video.visibility},
                        {"duration_ms", optional_json(video.duration_ms)},
                        {"width", optional_json(video.width)},
                        {"height", optional_json(video.height)},
                        {"created_at", video.created_at},
                        {"views", video.views}};
  if (!video.failure_reason.empty()) out["failure_reason"] = video.failure_reason;
  if (video.state == catalog::VideoState::failed) {
    // Whether a Retry could ever help (vod/failure_kind.hpp): not for a file that is not media.
    const vod::FailureKind kind = vod::classify_failure(video.failure_reason);
    out["failure_code"] = kind.code;
    out["retryable"] = kind.retryable && video.origin == catalog::VideoOrigin::upload;
  }
  if (!video.source_name.empty()) out["source_name"] = video.source_name;
  if (video.source_bytes) out["source_bytes"] = *video.source_bytes;
  out["owner_id"] = optional_json(video.owner_id);
  return out;
}

nlohmann::json video_json(const catalog::Video& video, const MediaLinks& links, std::int64_t now_unix) {
  nlohmann::json out = video_json(video);
  nlohmann::json urls = links.urls(video, now_unix);
  if (urls.contains("hls")) out["hls"] = urls["hls"];  // (older clients read these two)
  if (urls.contains("dash")) out["dash"] = urls["dash"];
  out["urls"] = std::move(urls);
  return out;
}

nlohmann::json job_progress_json(const catalog::Job& job) {
  nlohmann::json out = {{"id", job.id},
                        {"state", catalog::to_string(job.state)},
                        {"progress", std::round(job.progress * 10) / 10},
                        {"fps", rounded(job.fps, 1)},
                        {"eta_seconds", rounded(job.eta_seconds, 0)},
                        {"attempts", job.attempts}};
  if (!job.error.empty()) out["error"] = job.error;
  if (job.state == catalog::JobState::queued && job.attempts > 0) out["retry_at"] = job.not_before;
  return out;
}

nlohmann::json job_json(const catalog::Job& job) {
  nlohmann::json out = job_progress_json(job);
  out["video_id"] = job.video_id;
  out["kind"] = job.kind;
  out["created_at"] = job.created_at;
  out["started_at"] = optional_json(job.started_at);
  out["finished_at"] = optional_json(job.finished_at);
  out["heartbeat_at"] = optional_json(job.heartbeat_at);
  return out;
}

nlohmann::json renditions_json(const std::vector<catalog::Rendition>& renditions) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : renditions) {
    list.push_back({{"name", r.name},
                    {"kind", r.kind},
                    {"codecs", r.codecs},
                    {"width", optional_json(r.width)},
                    {"height", optional_json(r.height)},
                    {"bandwidth", optional_json(r.bandwidth)}});
  }
  return list;
}

}  // namespace tidecast::api

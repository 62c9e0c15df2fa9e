// The catalog API: list (paged, searchable, public or the caller's own), one
// video, edits by the owner or an admin, deletion, retry of failed uploads,
// and the job list.
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/json_body.hpp"
#include "api/routes.hpp"
#include "api/video_json.hpp"
#include "core/clock.hpp"
#include "http/path.hpp"

namespace tidecast::api {

namespace {

using http::Status;
using field = http::beast_http::field;

constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 200;
constexpr std::size_t kMaxQueryBytes = 200;

std::int64_t now_unix() {
  return core::unix_now_ms() / 1000;
}

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

http::Response not_found() {
  return http::make_json_error(Status::not_found, "not_found", "no such video");
}

// Private videos exist only for their owner and admins.
bool visible_to(const catalog::Video& video, const std::optional<Principal>& principal) {
  return video.visibility != "private" || (principal && principal->may_manage(video.owner_id));
}

nlohmann::json full_json(VideoRouteDeps& deps, const catalog::Video& video, const std::optional<Principal>& who) {
  nlohmann::json out = video_json(video, deps.links, now_unix());
  out["can_edit"] = who.has_value() && who->may_manage(video.owner_id);
  return out;
}

http::Response list_videos(VideoRouteDeps& deps, const http::Request& request) {
  const auto query = http::parse_query(request.target());
  catalog::VideoQuery q;
  q.limit = kDefaultLimit;
  if (const auto it = query.find("limit"); it != query.end()) {
    const auto limit = parse_int(it->second, 1, kMaxLimit);
    if (!limit) return http::make_json_error(Status::bad_request, "bad_query", "limit must be 1-200");
    q.limit = *limit;
  }
  if (const auto it = query.find("offset"); it != query.end()) {
    const auto offset = parse_int(it->second, 0, std::int64_t{1} << 40);
    if (!offset)
      return http::make_json_error(Status::bad_request, "bad_query", "offset must be a non-negative integer");
    q.offset = *offset;
  }
  if (const auto it = query.find("q"); it != query.end()) {
    if (it->second.size() > kMaxQueryBytes) {
      return http::make_json_error(Status::bad_request, "bad_query", "q is longer than 200 bytes");
    }
    q.title_contains = it->second;
  }
  // A channel's recordings (its page's "past streams").
  if (const auto it = query.find("channel"); it != query.end()) q.channel_name = it->second;
  std::optional<Principal> principal;
  if (const auto it = query.find("mine"); it != query.end() && it->second == "1") {
    principal = deps.auth.resolve(request);
    if (!principal) return unauthorized();
    q.public_ready_only = false;
    if (!principal->admin()) q.owner_id = principal->user_id;
  }
  const catalog::VideoPage page = deps.videos.search(q);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& video : page.videos) list.push_back(full_json(deps, video, principal));
  return http::make_json(Status::ok,
                         {{"videos", list}, {"total", page.total}, {"limit", q.limit}, {"offset", q.offset}});
}

http::Response get_video(VideoRouteDeps& deps, const http::Request& request, std::string_view id) {
  const auto video = deps.videos.find(id);
  const auto principal = deps.auth.resolve(request);
  if (!video || !visible_to(*video, principal)) return not_found();
  nlohmann::json out = full_json(deps, *video, principal);
  if (const auto job = deps.jobs.latest_for_video(video->id)) out["job"] = job_progress_json(*job);
  if (video->state == catalog::VideoState::ready)
    out["renditions"] = renditions_json(deps.videos.renditions(video->id));
  return http::make_json(Status::ok, out);
}

// The video for a change by the caller: 401/403 (csrf) without a valid
// principal, 404 when they cannot see it, 403 when they may not change it.
std::variant<std::pair<catalog::Video, Principal>, http::Response> for_change(VideoRouteDeps& deps,
                                                                              const http::Request& request,
                                                                              std::string_view id) {
  auto checked = deps.auth.require(request);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  auto& principal = std::get<Principal>(checked);
  auto video = deps.videos.find(id);
  if (!video || !visible_to(*video, principal)) return not_found();
  if (!principal.may_manage(video->owner_id)) return forbidden("only the video's owner or an admin may do this");
  return std::pair{std::move(*video), std::move(principal)};
}

http::Response patch_video(VideoRouteDeps& deps, const http::Request& request, std::string_view id) {
  auto found = for_change(deps, request, id);
  if (auto* error = std::get_if<http::Response>(&found)) return std::move(*error);
  const auto& [video, principal] = std::get<0>(found);
  auto parsed = parse_json_object(request);
  if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
  const auto& body = std::get<nlohmann::json>(parsed);
  catalog::VideoPatch patch;
  for (const auto& [key, value] : body.items()) {
    if (key != "title" && key != "description" && key != "visibility") {
      return http::make_json_error(Status::bad_request, "bad_field",
                                   "only \"title\", \"description\" and \"visibility\" can be changed");
    }
    if (!value.is_string()) return http::make_json_error(Status::bad_request, "bad_field", key + " must be a string");
    if (key == "title") patch.title = value.get<std::string>();
    if (key == "description") patch.description = value.get<std::string>();
    if (key == "visibility") patch.visibility = value.get<std::string>();
  }
  if (patch.title && patch.title->empty()) {
    return http::make_json_error(Status::bad_request, "invalid_field", "title must not be empty");
  }
  try {
    if (!deps.videos.update(id, patch)) return not_found();
  } catch (const catalog::InvalidInput& e) {
    return http::make_json_error(Status::bad_request, "invalid_field", e.what());
  }
  deps.log.info("accounts", "video updated id={} by={}", video.id, principal.name);
  return http::make_json(Status::ok, full_json(deps, *deps.videos.find(id), principal));
}

http::Response delete_video(VideoRouteDeps& deps, const http::Request& request, std::string_view id) {
  auto found = for_change(deps, request, id);
  if (auto* error = std::get_if<http::Response>(&found)) return std::move(*error);
  const auto& principal = std::get<0>(found).second;
  try {
    // Rows and files together (VodService::delete_video).
    if (!deps.vod.delete_video(id)) return not_found();
  } catch (const catalog::Conflict& e) {
    return http::make_json_error(Status::conflict, "busy", e.what());
  }
  deps.log.info("accounts", "video deleted id={} by={}", id, principal.name);
  http::Response res{Status::no_content, 11};
  res.set(field::cache_control, "no-store");
  return res;
}

http::Response retry_video(VideoRouteDeps& deps, const http::Request& request, std::string_view id) {
  auto found = for_change(deps, request, id);
  if (auto* error = std::get_if<http::Response>(&found)) return std::move(*error);
  const auto& [video, principal] = std::get<0>(found);
  if (video.state != catalog::VideoState::failed || video.origin != catalog::VideoOrigin::upload) {
    return http::make_json_error(Status::conflict, "not_failed", "only failed uploads can be retried");
  }
  if (!deps.videos.retry_failed_upload(id, core::unix_now_ms())) {
    return http::make_json_error(Status::conflict, "not_failed", "only failed uploads can be retried");
  }
  deps.log.info("accounts", "video retry id={} by={}", id, principal.name);
  nlohmann::json out = full_json(deps, *deps.videos.find(id), principal);
  if (const auto job = deps.jobs.latest_for_video(id)) out["job"] = job_progress_json(*job);
  return http::make_json(Status::accepted, out);
}

http::Response list_jobs(VideoRouteDeps& deps, const http::Request& request) {
  auto checked = deps.auth.require(request);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  const auto& principal = std::get<Principal>(checked);
  nlohmann::json list = nlohmann::json::array();
  const auto jobs = principal.admin() ? deps.jobs.list(200) : deps.jobs.list_for_owner(*principal.user_id, 200);
  for (const auto& job : jobs) list.push_back(job_json(job));
  return http::make_json(Status::ok, {{"jobs", list}});
}

}  // namespace

void add_video_routes(http::Router& router, VideoRouteDeps d) {
  auto deps = std::make_shared<VideoRouteDeps>(d);
  router.add(http::Verb::get, "/api/v1/videos",
             [deps](const http::Request& request, const http::RouteContext&) { return list_videos(*deps, request); });
  router.add(http::Verb::get, "/api/v1/videos/{id}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return get_video(*deps, request, context.param("id"));
             });
  router.add(http::Verb::patch, "/api/v1/videos/{id}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return patch_video(*deps, request, context.param("id"));
             });
  router.add(http::Verb::delete_, "/api/v1/videos/{id}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return delete_video(*deps, request, context.param("id"));
             });
  router.add(http::Verb::post, "/api/v1/videos/{id}/retry",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return retry_video(*deps, request, context.param("id"));
             });
  router.add(http::Verb::get, "/api/v1/jobs",
             [deps](const http::Request& request, const http::RouteContext&) { return list_jobs(*deps, request); });
}

}  // namespace tidecast::api

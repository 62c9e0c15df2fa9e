#include <nlohmann/json.hpp>

#include "api/routes.hpp"

namespace tidecast::api {

namespace {

template <class T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

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
                        {"created_at", video.created_at}};
  if (!video.failure_reason.empty()) out["failure_reason"] = video.failure_reason;
  if (video.state == catalog::VideoState::ready) {
    out["hls"] = "/vod/" + video.id + "/master.m3u8";
    out["dash"] = "/vod/" + video.id + "/manifest.mpd";
  }
  return out;
}

}  // namespace

void add_video_routes(http::Router& router, catalog::VideoRepository& videos) {
  router.add(http::Verb::get, "/api/v1/videos", [&videos](const http::Request&, const http::RouteContext&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& video : videos.list()) {
      if (video.visibility == "public") list.push_back(video_json(video));
    }
    return http::make_json(http::Status::ok, {{"videos", list}});
  });
  router.add(http::Verb::get, "/api/v1/videos/{id}", [&videos](const http::Request&, const http::RouteContext& context) {
    const auto video = videos.find(context.param("id"));
    if (!video || video->visibility == "private") {
      return http::make_json_error(http::Status::not_found, "not_found", "no such video");
    }
    return http::make_json(http::Status::ok, video_json(*video));
  });
}

}  // namespace tidecast::api

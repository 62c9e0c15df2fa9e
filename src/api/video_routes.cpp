#include <nlohmann/json.hpp>

#include "api/routes.hpp"
#include "api/video_json.hpp"

namespace tidecast::api {

void add_video_routes(http::Router& router, catalog::VideoRepository& videos, catalog::JobRepository* jobs) {
  router.add(http::Verb::get, "/api/v1/videos", [&videos](const http::Request&, const http::RouteContext&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& video : videos.list()) {
      if (video.visibility == "public") list.push_back(video_json(video));
    }
    return http::make_json(http::Status::ok, {{"videos", list}});
  });
  router.add(http::Verb::get, "/api/v1/videos/{id}",
             [&videos, jobs](const http::Request&, const http::RouteContext& context) {
               const auto video = videos.find(context.param("id"));
               if (!video || video->visibility == "private") {
                 return http::make_json_error(http::Status::not_found, "not_found", "no such video");
               }
               nlohmann::json out = video_json(*video);
               if (jobs) {
                 if (const auto job = jobs->latest_for_video(video->id)) out["job"] = job_progress_json(*job);
               }
               if (video->state == catalog::VideoState::ready)
                 out["renditions"] = renditions_json(videos.renditions(video->id));
               return http::make_json(http::Status::ok, out);
             });
}

}  // namespace tidecast::api

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/live_thumbnail_route.hpp"
#include "api/media_links.hpp"
#include "api/routes.hpp"

namespace tidecast::api {

http::Response live_offline(std::string_view channel) {
  http::Response res = http::make_json(
      http::Status::not_found,
      {{"error", {{"code", "offline"}, {"message", fmt::format("channel \"{}\" is not live", channel)}}},
       {"channel", channel}});
  res.set(http::beast_http::field::access_control_allow_origin, "*");
  res.set(http::beast_http::field::cache_control, "no-cache");
  return res;
}

void add_live_routes(http::Router& router, live::LiveService& live, const ChannelVisibility& visibility) {
  router.add(http::Verb::get, "/api/v1/live", [&live, &visibility](const http::Request&, const http::RouteContext&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& channel : live.live_channels()) {
      const live::LiveStatus s = channel->status();
      if (visibility.is_private(s.channel)) continue;
      nlohmann::json rungs = nlohmann::json::array();
      for (const auto& r : s.rungs) {
        rungs.push_back({{"name", r.name},
                         {"width", r.width},
                         {"height", r.height},
                         {"active", r.active},
                         {"shed_count", r.shed_count},
                         {"fps", r.fps},
                         {"speed", r.speed},
                         {"queue_seconds", r.queue_seconds}});
      }
      list.push_back({{"rungs", rungs},
                      {"channel", s.channel},
                      {"title", s.title},
                      {"publishing", s.publishing},
                      {"uptime_seconds", s.uptime_seconds},
                      {"video_codecs", s.video_codecs},
                      {"audio_codecs", s.audio_codecs},
                      {"width", s.width},
                      {"height", s.height},
                      {"frame_rate", s.frame_rate},
                      {"bitrate", s.bitrate},
                      {"viewers", live.viewers(s.channel, s.viewers)},
                      {"segments", s.segments},
                      {"recording_id", s.recording_id},
                      {"keyframe_interval", s.keyframe_interval},
                      {"dropped_frames", s.dropped_frames},
                      {"latency_mode", channel->part_seconds() > 0 ? "low" : "normal"},
                      {"held_requests", channel->held_requests() ? channel->held_requests()->size() : 0},
                      {"hls", fmt::format("/live/{}/master.m3u8", s.channel)},
                      {"dash", fmt::format("/live/{}/manifest.mpd", s.channel)}});
      if (auto thumbnail = live_thumbnail_link(*channel, live_prefix(s.channel))) list.back()["thumbnail"] = *thumbnail;
    }
    // A cluster's channels live on other nodes (their owners have the details).
    for (const auto& remote : live.live_elsewhere()) {
      if (visibility.is_private(remote.channel)) continue;
      list.push_back({{"rungs", nlohmann::json::array()},
                      {"channel", remote.channel},
                      {"title", remote.title},
                      {"publishing", true},
                      {"node", remote.node},
                      {"viewers", live.viewers(remote.channel, 0)},
                      {"hls", fmt::format("/live/{}/master.m3u8", remote.channel)},
                      {"dash", fmt::format("/live/{}/manifest.mpd", remote.channel)}});
    }
    return http::make_json(http::Status::ok, {{"live", list}});
  });
}

}  // namespace tidecast::api

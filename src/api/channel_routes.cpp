#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/json_body.hpp"
#include "api/routes.hpp"

namespace tidecast::api {

namespace {

nlohmann::json channel_json(const catalog::Channel& channel) {
  return {{"id", channel.id},
          {"name", channel.name},
          {"title", channel.title},
          {"created_at", channel.created_at},
          {"hls", fmt::format("/live/{}/master.m3u8", channel.name)},
          {"dash", fmt::format("/live/{}/manifest.mpd", channel.name)}};
}

}  // namespace

void add_channel_routes(http::Router& router, catalog::ChannelRepository& channels, ServerInfo info) {
  router.add(http::Verb::get, "/api/v1/channels", [&channels](const http::Request&, const http::RouteContext&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& channel : channels.list()) list.push_back(channel_json(channel));
    return http::make_json(http::Status::ok, {{"channels", list}});
  });

  router.add(http::Verb::post, "/api/v1/channels", [&channels, info](const http::Request& request,
                                                                     const http::RouteContext& context) {
    // Until accounts exist, only the machine itself may create channels.
    if (!context.client.loopback) {
      return http::make_json_error(http::Status::forbidden, "forbidden",
                                   "creating channels is only allowed from the server itself for now");
    }
    auto parsed = parse_json_object(request);
    if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
    const auto& body = std::get<nlohmann::json>(parsed);
    const auto name = string_field(body, "name");
    const auto title = string_field(body, "title");
    if (!name || !title) {
      return http::make_json_error(http::Status::bad_request, "bad_field", "\"name\" and \"title\" must be strings");
    }
    try {
      auto created = channels.create(*name, *title);
      nlohmann::json out = channel_json(created.channel);
      out["stream_key"] = created.stream_key;
      out["rtmp_url"] = info.rtmp_url_hint;
      http::Response res = http::make_json(http::Status::created, out);
      res.set(http::beast_http::field::location, fmt::format("/api/v1/channels/{}", created.channel.name));
      return res;
    } catch (const catalog::InvalidInput& e) {
      return http::make_json_error(http::Status::bad_request, "invalid_channel", e.what());
    } catch (const catalog::Conflict& e) {
      return http::make_json_error(http::Status::conflict, "channel_exists", e.what());
    }
  });
}

}  // namespace tidecast::api

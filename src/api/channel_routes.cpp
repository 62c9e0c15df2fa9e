// Channels: the public list with live status, and management by their owner
// (or an admin): create, new stream key, title, delete.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/channel_avatar.hpp"
#include "api/channel_latency.hpp"
#include "api/json_body.hpp"
#include "api/live_thumbnail_route.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "http/path.hpp"
#include "transcode/ladder.hpp"

namespace tidecast::api {

namespace {

using http::Status;

struct Deps {
  ChannelRouteDeps d;
  ServerInfo info;
};

// Private channels' URLs are signed; such JSON only goes to their owner or an admin.
nlohmann::json channel_json(const catalog::Channel& channel, Deps& deps) {
  const std::string base =
      deps.d.links.live_base(channel.name, channel.visibility == "private", core::unix_now_ms() / 1000);
  nlohmann::json out = {{"id", channel.id},
                        {"name", channel.name},
                        {"title", channel.title},
                        {"visibility", channel.visibility},
                        {"created_at", channel.created_at},
                        {"live", false},
                        {"viewers", 0},
                        {"hls", base + "master.m3u8"},
                        {"dash", base + "manifest.mpd"}};
  if (channel.owner_name) out["owner"] = *channel.owner_name;
  out["description"] = channel.description;
  out["next_stream"] = channel.next_stream;
  out["avatar"] = channel.avatar ? nlohmann::json(avatar_url(*channel.avatar)) : nlohmann::json(nullptr);
  if (const auto running = deps.d.live.find(channel.name)) {
    const auto status = running->status();
    out["live"] = status.publishing;
    out["viewers"] = deps.d.live.viewers(channel.name, status.viewers);
    if (auto thumbnail = live_thumbnail_link(*running, base); thumbnail && status.publishing) {
      out["thumbnail"] = *thumbnail;
    }
  }
  if (!out["live"].get<bool>()) {
    // In a cluster, live on another node.
    for (const auto& remote : deps.d.live.live_elsewhere()) {
      if (remote.channel != channel.name) continue;
      out["live"] = true;
      out["viewers"] = deps.d.live.viewers(channel.name, 0);
    }
  }
  return out;
}

// The channel named in the path if the caller may manage it; else the response.
std::variant<catalog::Channel, http::Response> managed_channel(Deps& deps, const Principal& principal,
                                                               std::string_view name) {
  auto channel = deps.d.channels.find_by_name(name);
  if (!channel) return http::make_json_error(Status::not_found, "not_found", "no such channel");
  if (!principal.may_manage(channel->owner_id)) {
    // Someone else's private channel does not exist for the caller.
    if (channel->visibility == "private")
      return http::make_json_error(Status::not_found, "not_found", "no such channel");
    return forbidden("only the channel's owner or an admin may do this");
  }
  return std::move(*channel);
}

http::Response list_channels(Deps& deps, const http::Request& request) {
  const auto query = http::parse_query(request.target());
  std::vector<catalog::Channel> list;
  if (const auto mine = query.find("mine"); mine != query.end() && mine->second == "1") {
    const auto principal = deps.d.auth.resolve(request);
    if (!principal) return unauthorized();
    list = principal->admin() ? deps.d.channels.list() : deps.d.channels.list_owned(*principal->user_id);
  } else {
    list = deps.d.channels.list();
    std::erase_if(list, [](const catalog::Channel& c) { return c.visibility == "private"; });
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& channel : list) out.push_back(channel_json(channel, deps));
  return http::make_json(Status::ok, {{"channels", out}});
}

http::Response create_channel(Deps& deps, const http::Request& request) {
  auto checked = deps.d.auth.require(request);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  const auto& principal = std::get<Principal>(checked);
  auto parsed = parse_json_object(request);
  if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
  const auto& body = std::get<nlohmann::json>(parsed);
  const auto name = string_field(body, "name");
  const auto title = string_field(body, "title");
  if (!name || !title) {
    return http::make_json_error(Status::bad_request, "bad_field", "\"name\" and \"title\" must be strings");
  }
  try {
    auto created = deps.d.channels.create(*name, *title, principal.user_id);
    deps.d.log.info("accounts", "channel created name={} by={}", created.channel.name, principal.name);
    nlohmann::json out = with_ingest_urls(
        {{"channel", channel_json(created.channel, deps)}, {"stream_key", created.stream_key}}, deps.info);
    http::Response res = http::make_json(Status::created, out);
    res.set(http::beast_http::field::location, fmt::format("/api/v1/channels/{}", created.channel.name));
    return res;
  } catch (const catalog::InvalidInput& e) {
    return http::make_json_error(Status::bad_request, "invalid_channel", e.what());
  } catch (const catalog::Conflict& e) {
    return http::make_json_error(Status::conflict, "channel_exists", e.what());
  }
}

http::Response new_key(Deps& deps, const http::Request& request, std::string_view name) {
  auto checked = deps.d.auth.require(request);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  const auto& principal = std::get<Principal>(checked);
  auto channel = managed_channel(deps, principal, name);
  if (auto* error = std::get_if<http::Response>(&channel)) return std::move(*error);
  const auto key = deps.d.channels.regenerate_key(name);
  if (!key) return http::make_json_error(Status::not_found, "not_found", "no such channel");
  deps.d.log.info("accounts", "stream key regenerated channel={} by={}", name, principal.name);
  return http::make_json(Status::ok, with_ingest_urls({{"stream_key", *key}}, deps.info));
}

http::Response patch_channel(Deps& deps, const http::Request& request, std::string_view name) {
  auto checked = deps.d.auth.require(request);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  auto channel = managed_channel(deps, std::get<Principal>(checked), name);
  if (auto* error = std::get_if<http::Response>(&channel)) return std::move(*error);
  auto parsed = parse_json_object(request);
  if (auto* error = std::get_if<http::Response>(&parsed)) return std::move(*error);
  const auto& body = std::get<nlohmann::json>(parsed);
  const auto& current = std::get<catalog::Channel>(channel);
  const auto title = string_field(body, "title", current.title);
  const auto visibility = string_field(body, "visibility", current.visibility);
  const auto description = string_field(body, "description", current.description);
  const auto next_stream = string_field(body, "next_stream", current.next_stream);
  if (!title || !visibility || !description || !next_stream) {
    return http::make_json_error(Status::bad_request, "bad_field",
                                 "\"title\", \"visibility\", \"description\" and \"next_stream\" must be strings");
  }
  // "ladder": null restores the configured ladder; an object narrows it
  // (transcode::LadderChoice, e.g. {"enabled": false} or {"rungs": ["720p"]}).
  std::optional<std::optional<std::string>> ladder;
  if (const auto it = body.find("ladder"); it != body.end()) {
    if (it->is_null()) {
      ladder.emplace(std::nullopt);
    } else if (!it->is_object()) {
      return http::make_json_error(Status::bad_request, "bad_field", "\"ladder\" must be an object or null");
    } else {
      try {
        ladder.emplace(transcode::to_json(transcode::parse_ladder_choice(it->dump())));
      } catch (const std::invalid_argument& e) {
        return http::make_json_error(Status::bad_request, "invalid_ladder", e.what());
      }
    }
  }
  auto latency = latency_mode_field(body);
  if (auto* error = std::get_if<http::Response>(&latency)) return std::move(*error);
  const auto& latency_mode = std::get<LatencyModeField>(latency);
  try {
    if (*visibility != "public" && *visibility != "private") {
      throw catalog::InvalidInput("channel visibility must be \"public\" or \"private\"");
    }
    deps.d.channels.set_profile(name, {.title = *title, .description = *description, .next_stream = *next_stream});
    deps.d.channels.set_visibility(name, *visibility);
    if (ladder) deps.d.channels.set_ladder(name, *ladder);
    if (latency_mode) {
      deps.d.channels.set_latency_mode(
          name, *latency_mode ? std::optional<std::string_view>(**latency_mode) : std::optional<std::string_view>());
    }
  } catch (const catalog::InvalidInput& e) {
    return http::make_json_error(Status::bad_request, "invalid_channel", e.what());
  }
  deps.d.visibility.set_private(name, *visibility == "private");
  const auto updated = *deps.d.channels.find_by_name(name);
  nlohmann::json out = channel_json(updated, deps);
  const auto choice = deps.d.channels.ladder(updated.id);
  out["ladder"] = choice ? nlohmann::json::parse(*choice) : nlohmann::json(nullptr);
  const auto mode = deps.d.channels.latency_mode(updated.id);
  out["latency_mode"] = mode ? nlohmann::json(*mode) : nlohmann::json(nullptr);
  return http::make_json(Status::ok, {{"channel", out}});
}

// One channel with its profile; someone else's private channel does not exist.
http::Response get_channel(Deps& deps, const http::Request& request, std::string_view name) {
  const auto channel = deps.d.channels.find_by_name(name);
  if (channel && channel->visibility == "private") {
    const auto principal = deps.d.auth.resolve(request);
    if (!principal || !principal->may_manage(channel->owner_id)) {
      return http::make_json_error(Status::not_found, "not_found", "no such channel");
    }
  }
  if (!channel) return http::make_json_error(Status::not_found, "not_found", "no such channel");
  http::Response res = http::make_json(Status::ok, {{"channel", channel_json(*channel, deps)}});
  res.set(http::beast_http::field::cache_control, "no-cache");
  return res;
}

http::Response delete_channel(Deps& deps, const http::Request& request, std::string_view name) {
  auto checked = deps.d.auth.require(request);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  const auto& principal = std::get<Principal>(checked);
  auto channel = managed_channel(deps, principal, name);
  if (auto* error = std::get_if<http::Response>(&channel)) return std::move(*error);
  if (const auto running = deps.d.live.find(name); running && running->status().publishing) {
    return http::make_json_error(Status::conflict, "live", "the channel is live; stop the stream first");
  }
  if (!deps.d.channels.remove(name)) return http::make_json_error(Status::not_found, "not_found", "no such channel");
  deps.d.visibility.set_private(name, false);
  deps.d.log.info("accounts", "channel deleted name={} by={}", name, principal.name);
  http::Response res{Status::no_content, 11};
  res.set(http::beast_http::field::cache_control, "no-store");
  return res;
}

}  // namespace

void add_channel_routes(http::Router& router, ChannelRouteDeps d, ServerInfo info) {
  auto deps = std::make_shared<Deps>(Deps{d, std::move(info)});
  router.add(http::Verb::get, "/api/v1/channels",
             [deps](const http::Request& request, const http::RouteContext&) { return list_channels(*deps, request); });
  router.add(http::Verb::post, "/api/v1/channels", [deps](const http::Request& request, const http::RouteContext&) {
    return create_channel(*deps, request);
  });
  router.add(http::Verb::post, "/api/v1/channels/{name}/key",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return new_key(*deps, request, context.param("name"));
             });
  router.add(http::Verb::patch, "/api/v1/channels/{name}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return patch_channel(*deps, request, context.param("name"));
             });
  router.add(http::Verb::get, "/api/v1/channels/{name}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return get_channel(*deps, request, context.param("name"));
             });
  router.add(http::Verb::delete_, "/api/v1/channels/{name}",
             [deps](const http::Request& request, const http::RouteContext& context) {
               return delete_channel(*deps, request, context.param("name"));
             });
}

}  // namespace tidecast::api

// The channel page and its avatar: GET /c/{channel} (channel.html with its
// head filled in), POST/DELETE /api/v1/channels/{name}/avatar (owner or
// admin; the raw image as the body) and GET /avatars/{file}.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/channel_avatar.hpp"
#include "api/channel_page.hpp"
#include "api/routes.hpp"
#include "core/clock.hpp"
#include "core/log_throttle.hpp"
#include "http/frame_policy.hpp"
#include "http/serve_bytes.hpp"

namespace tidecast::api {

namespace {

using http::Status;
using field = http::beast_http::field;

struct PageState {
  ChannelPageDeps d;
  AvatarStore avatars;
  core::LogThrottle refusals;  // one line per client and reason a minute
};

// Logged at most once a minute per client and reason, with the count held back.
void note_refusal(PageState& state, const http::RouteContext& context, std::string_view reason,
                  std::string_view channel) {
  if (const auto held = state.refusals.allow(fmt::format("{}|{}", context.client.address, reason))) {
    state.d.log.warn("channels", "avatar refused reason={} channel={:?} remote={:?} refused_since_last_line={}", reason,
                     channel, context.client.address, *held);
  }
}

bool is_live(const live::LiveService& live, std::string_view name) {
  if (const auto running = live.find(name); running && running->status().publishing) return true;
  for (const auto& remote : live.live_elsewhere()) {
    if (remote.channel == name) return true;
  }
  return false;
}

// The channel if the caller may see it: someone else's private channel does not exist.
std::optional<catalog::Channel> visible_channel(PageState& state, const http::RequestHead& request,
                                                std::string_view name) {
  auto channel = state.d.channels.find_by_name(name);
  if (!channel || channel->visibility != "private") return channel;
  const auto principal = state.d.auth.resolve(request);
  if (principal && principal->may_manage(channel->owner_id)) return channel;
  return std::nullopt;
}

http::Response html(Status status, std::string body) {
  http::Response res = http::make_text(status, std::move(body), "text/html; charset=utf-8");
  // The head says whether the channel is live: never stored for long.
  res.set(field::cache_control, "no-cache");
  http::set_frame_policy(res, "/channel.html");  // framed only by our own pages, like every page but embed
  return res;
}

http::Response channel_page(PageState& state, const http::Request& request, const http::RouteContext& context,
                            std::string_view name) {
  const auto channel = visible_channel(state, request, name);
  if (!channel || state.d.page.empty()) {
    return html(Status::not_found, not_found_page(fmt::format("There is no channel called \"{}\".", name)));
  }
  const std::string origin =
      context.client.host.empty()
          ? std::string()
          : fmt::format("{}://{}", context.client.secure ? "https" : "http", context.client.host);
  PageMeta meta;
  meta.title = channel->title.empty() ? channel->name : channel->title;
  meta.description = channel->description.empty() ? fmt::format("{} on Tidecast", meta.title) : channel->description;
  if (!origin.empty()) meta.url = fmt::format("{}/c/{}", origin, channel->name);
  // The picture: the live thumbnail while live, else the avatar, else the newest recording's poster.
  std::string image;
  if (is_live(state.d.live, channel->name)) {
    image = fmt::format("{}thumbnail.jpg", live_prefix(channel->name));
  } else if (channel->avatar) {
    image = avatar_url(*channel->avatar);
  } else if (channel->visibility != "private") {
    catalog::VideoQuery query;
    query.channel_name = channel->name;
    query.limit = 1;
    const auto newest = state.d.videos.search(query);
    if (!newest.videos.empty()) {
      const auto urls = state.d.links.urls(newest.videos.front(), core::unix_now_ms() / 1000);
      if (const auto poster = urls.find("poster"); poster != urls.end() && poster->is_string()) {
        image = poster->get<std::string>();
      }
    }
  }
  if (!image.empty() && !origin.empty()) meta.image = origin + image;
  return html(Status::ok, render_channel_page(state.d.page, meta));
}

// The signed-in caller and a channel they may manage, or the answer refusing it.
struct Managed {
  Principal principal;
  catalog::Channel channel;
};
std::variant<http::Response, Managed> managed_channel(PageState& state, const http::Request& request,
                                                      std::string_view name) {
  auto checked = state.d.auth.require(request);
  if (auto* error = std::get_if<http::Response>(&checked)) return std::move(*error);
  auto& principal = std::get<Principal>(checked);
  auto channel = visible_channel(state, request, name);
  if (!channel) return http::make_json_error(Status::not_found, "not_found", "no such channel");
  if (!principal.may_manage(channel->owner_id)) return forbidden("only the channel's owner or an admin may do this");
  return Managed{.principal = std::move(principal), .channel = std::move(*channel)};
}

http::Response set_avatar(PageState& state, const http::Request& request, const http::RouteContext& context,
                          std::string_view name) {
  auto managed = managed_channel(state, request, name);
  if (auto* refused = std::get_if<http::Response>(&managed)) return std::move(*refused);
  const auto& [principal, channel] = std::get<Managed>(managed);
  const std::string_view body = request.body();
  if (body.empty()) {
    note_refusal(state, context, "empty", name);
    return http::make_json_error(Status::bad_request, "empty", "send the image as the request body");
  }
  if (body.size() > kMaxAvatarBytes) {
    note_refusal(state, context, "too_large", name);
    return http::make_json_error(
        Status::payload_too_large, "avatar_too_large",
        fmt::format("the avatar is {} KiB; at most {} KiB is accepted", body.size() / 1024, kMaxAvatarBytes / 1024));
  }
  const auto type = sniff_image(body);
  if (!type) {
    note_refusal(state, context, "not_an_image", name);
    return http::make_json_error(Status::unsupported_media_type, "not_an_image",
                                 "the avatar must be a JPEG, PNG or WebP image");
  }
  std::string file;
  try {
    file = state.avatars.save(channel.id, *type, body);
  } catch (const std::exception& e) {
    state.d.log.error("channels", "avatar not saved channel={} error={:?}", name, e.what());
    return http::make_json_error(Status::internal_server_error, "storage", "the avatar could not be stored");
  }
  bool found = false;
  const auto previous = state.d.channels.set_avatar(name, file, found);
  if (!found) {
    state.avatars.remove(file);
    return http::make_json_error(Status::not_found, "not_found", "no such channel");
  }
  if (previous) state.avatars.remove(*previous);
  state.d.log.info("channels", "avatar set channel={} bytes={} type={} by={}", name, body.size(), image_mime(*type),
                   principal.name);
  return http::make_json(Status::ok, {{"avatar", avatar_url(file)}});
}

http::Response clear_avatar(PageState& state, const http::Request& request, std::string_view name) {
  auto managed = managed_channel(state, request, name);
  if (auto* refused = std::get_if<http::Response>(&managed)) return std::move(*refused);
  bool found = false;
  if (const auto previous = state.d.channels.set_avatar(name, std::nullopt, found)) state.avatars.remove(*previous);
  return http::make_json(Status::ok, {{"avatar", nullptr}});
}

http::Response serve_avatar(PageState& state, const http::Request& request, const http::RouteContext& context,
                            std::string_view file) {
  if (!is_avatar_file_name(file)) {
    note_refusal(state, context, "bad_name", file);
    return http::make_json_error(Status::not_found, "not_found", "no such avatar");
  }
  auto bytes = state.avatars.read(file);
  const auto type = bytes ? sniff_image(*bytes) : std::nullopt;
  if (!type) return http::make_json_error(Status::not_found, "not_found", "no such avatar");
  auto owned = std::make_shared<const std::string>(std::move(*bytes));
  const std::string etag = http::etag_for(*owned);
  http::ServedBytes served;
  served.body.owner = owned;
  served.body.bytes = *owned;
  served.content_type = image_mime(*type);
  served.etag = etag;
  // The name is random per upload: its bytes never change.
  served.cache_control = "public, max-age=31536000, immutable";
  return http::serve_bytes(request, std::move(served));
}

}  // namespace

void add_channel_page_routes(http::Router& router, ChannelPageDeps deps) {
  // Built in place: the throttle (a mutex) cannot move.
  auto state = std::shared_ptr<PageState>(
      new PageState{.d = deps, .avatars = AvatarStore(deps.avatars_dir), .refusals = core::LogThrottle()});
  // Avatars of channels deleted since (and half-written files) go at start.
  try {
    std::set<std::string, std::less<>> keep;
    for (const auto& channel : deps.channels.list()) {
      if (channel.avatar) keep.insert(*channel.avatar);
    }
    if (const auto removed = state->avatars.sweep(keep); removed > 0) {
      deps.log.info("channels", "removed unused avatar files count={}", removed);
    }
  } catch (const std::exception& e) {
    deps.log.warn("channels", "avatar sweep skipped error={:?}", e.what());
  }
  router.add(http::Verb::get, "/c/{channel}", [state](const http::Request& request, const http::RouteContext& context) {
    return channel_page(*state, request, context, context.param("channel"));
  });
  router.add(http::Verb::post, "/api/v1/channels/{name}/avatar",
             [state](const http::Request& request, const http::RouteContext& context) {
               return set_avatar(*state, request, context, context.param("name"));
             });
  router.add(http::Verb::delete_, "/api/v1/channels/{name}/avatar",
             [state](const http::Request& request, const http::RouteContext& context) {
               return clear_avatar(*state, request, context.param("name"));
             });
  router.add(http::Verb::get, "/avatars/{file}",
             [state](const http::Request& request, const http::RouteContext& context) {
               return serve_avatar(*state, request, context, context.param("file"));
             });
}

}  // namespace tidecast::api

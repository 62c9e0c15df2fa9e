#include "api/live_thumbnail_route.hpp"

#include "api/routes.hpp"
#include "http/deferred_response.hpp"
#include "http/serve_bytes.hpp"

namespace tidecast::api {

namespace {

http::Response picture_response(const http::Request& request, const std::shared_ptr<const live::LiveThumbnail>& picture,
                                std::string_view name, bool is_private) {
  if (!picture || !picture->jpeg) return live_offline(name);
  const auto& jpeg = *picture->jpeg;
  http::BytesBody::value_type body{.owner = picture,
                                   .bytes = {reinterpret_cast<const char*>(jpeg.data()), jpeg.size()}};
  // A new picture comes every few seconds: caches may keep one that long.
  const std::string_view cache = is_private ? "private, max-age=5" : "public, max-age=5";
  http::Response res = http::serve_bytes(request, {body, "image/jpeg", picture->etag, cache});
  res.set(http::beast_http::field::access_control_allow_origin, "*");
  return res;
}

}  // namespace

http::Response serve_live_thumbnail(const http::Request& request, const live::LiveChannel& channel,
                                    std::string_view name, bool is_private) {
  // An ended presentation lingers for its players; its picture is not live any more.
  const auto& store = channel.thumbnails();
  if (channel.finished() || !store) return live_offline(name);
  auto deferred = std::make_shared<http::DeferredResponse>();
  // Made on the CPU pool on the first request of a picture; every request
  // that comes meanwhile waits for that one encode (no thread waits).
  auto answer = store->picture(
      [deferred, request, name = std::string(name), is_private](std::shared_ptr<const live::LiveThumbnail> picture) {
        deferred->complete(picture_response(request, picture, name, is_private));
      });
  if (!answer.pending) return picture_response(request, answer.ready, name, is_private);
  return http::make_deferred_response(std::move(deferred));
}

std::optional<std::string> live_thumbnail_link(const live::LiveChannel& channel, const std::string& base) {
  const auto& store = channel.thumbnails();
  if (channel.finished() || !store) return std::nullopt;
  const auto version = store->version();
  if (!version) return std::nullopt;
  return live::thumbnail_url(base, *version);
}

}  // namespace tidecast::api

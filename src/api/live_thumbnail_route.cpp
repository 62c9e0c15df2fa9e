#include "api/live_thumbnail_route.hpp"

#include "api/routes.hpp"
#include "http/serve_bytes.hpp"

namespace tidecast::api {

http::Response serve_live_thumbnail(const http::Request& request, const live::LiveChannel& channel,
                                    std::string_view name, bool is_private) {
  // An ended presentation lingers for its players; its picture is not live any more.
  const auto thumbnail = channel.finished() ? nullptr : channel.thumbnail();
  if (!thumbnail || !thumbnail->jpeg) return live_offline(name);
  const auto& jpeg = *thumbnail->jpeg;
  http::BytesBody::value_type body{.owner = thumbnail,
                                   .bytes = {reinterpret_cast<const char*>(jpeg.data()), jpeg.size()}};
  // A new picture comes every few seconds: caches may keep one that long.
  const std::string_view cache = is_private ? "private, max-age=5" : "public, max-age=5";
  http::Response res = http::serve_bytes(request, {body, "image/jpeg", thumbnail->etag, cache});
  res.set(http::beast_http::field::access_control_allow_origin, "*");
  return res;
}

std::optional<std::string> live_thumbnail_link(const live::LiveChannel& channel, const std::string& base) {
  const auto thumbnail = channel.finished() ? nullptr : channel.thumbnail();
  if (!thumbnail) return std::nullopt;
  return live::thumbnail_url(base, *thumbnail);
}

}  // namespace tidecast::api

// /live/<channel>/... from the in-memory snapshot, /vod/<id>/... from disk.
// The id sits at a fixed depth so a load balancer can hash on it. Private
// videos are served only under a signed segment, /vod/<id>/~<expiry>-<sig>/...
// (core/url_signer.hpp); public and unlisted ones with or without it.
#include <fmt/format.h>

#include <chrono>

#include "api/live_thumbnail_route.hpp"
#include "api/low_latency_routes.hpp"
#include "api/routes.hpp"
#include "api/video_lookup_cache.hpp"
#include "core/clock.hpp"
#include "http/mime.hpp"
#include "http/open_file_cache.hpp"
#include "http/path.hpp"
#include "http/prebuilt_head.hpp"
#include "http/serve_bytes.hpp"

namespace tidecast::api {

namespace {

using field = http::beast_http::field;

constexpr std::string_view kPlaylistCache = "public, max-age=1";
constexpr std::string_view kSegmentCache = "public, max-age=31536000, immutable";

http::Response not_found(std::string_view what) {
  http::Response res = http::make_text(http::Status::not_found, std::string(what) + "\n");
  res.set(field::access_control_allow_origin, "*");
  res.set(field::cache_control, "no-cache");
  return res;
}

// A manifest rendered once per update (live/rendered_manifest.hpp): served
// from the snapshot's bytes, kept alive by them, with the ETag made with them.
http::Response manifest_file(const http::Request& request, const live::SharedManifest& manifest, std::string_view type,
                             std::string_view cache) {
  http::BytesBody::value_type body{manifest, manifest->text};
  if (http::takes_prebuilt_head(request)) {
    // The common request (a player's reload): a head made once per manifest
    // and caching variant, no per-request fields.
    const std::size_t variant = cache == kPlaylistCache ? 0 : 1;
    std::call_once(manifest->head_once[variant], [&] {
      manifest->head[variant] = http::ok_head_text({.content_type = type,
                                                    .content_length = manifest->text.size(),
                                                    .etag = manifest->etag,
                                                    .cache_control = cache,
                                                    .cors = true});
    });
    return http::prebuilt_response(std::move(body), manifest->head[variant]);
  }
  http::Response res = http::serve_bytes(request, {body, type, manifest->etag, cache});
  res.set(field::access_control_allow_origin, "*");
  return res;
}

using core::unix_now_ms;

http::Response refused(MediaRefusals& refusals, const http::RouteContext& context, std::string_view kind,
                       std::string_view id, std::string_view reason) {
  refusals.note(kind, id, reason, context.client.address);  // counted; logged once a minute per address
  http::Response res = http::make_text(http::Status::forbidden, "this link is not valid (or no longer)\n");
  res.set(field::access_control_allow_origin, "*");
  res.set(field::cache_control, "no-store");
  return res;
}

// Splits a leading "~<expiry>-<sig>" segment off `file` and checks it against
// `prefix`; nullopt when there is none.
std::optional<core::SignatureCheck> take_signature(std::string& file, std::string_view prefix,
                                                   const core::UrlSigner& signer) {
  const std::size_t slash = file.find('/');
  if (!core::looks_like_signature(std::string_view(file).substr(0, slash))) return std::nullopt;
  const auto check = signer.verify(prefix, std::string_view(file).substr(0, slash), unix_now_ms() / 1000);
  file = slash == std::string::npos ? std::string() : file.substr(slash + 1);
  return check;
}

struct LiveDeps {
  live::LiveService& service;
  const ChannelVisibility& private_channels;
  const MediaLinks& links;
  core::Logger& log;
  MediaCounters counters;
  std::shared_ptr<MediaRefusals> refusals;
  std::shared_ptr<LowLatencyRoutes> low_latency;
};

http::Response serve_live(const http::Request& request, const http::RouteContext& context, LiveDeps& deps) {
  const std::string_view name = context.param("channel");
  std::string rest(context.param("*"));
  const auto signature = take_signature(rest, live_prefix(name), deps.links.signer());
  if (signature && *signature != core::SignatureCheck::ok) {
    return refused(*deps.refusals, context, "channel", name, core::to_string(*signature));
  }
  const bool is_private = deps.private_channels.is_private(name);
  if (is_private && !signature) return refused(*deps.refusals, context, "channel", name, "unsigned");
  const auto channel = deps.service.playable(name);
  if (!channel) return live_offline(name);
  if (rest == "thumbnail.jpg") return serve_live_thumbnail(request, *channel, name, is_private);
  const auto snapshot = channel->snapshot();
  const std::string_view file = rest;
  const MediaCounters& counters = deps.counters;
  // Private streams must stay out of shared caches.
  const std::string_view playlist_cache = is_private ? "private, max-age=1" : kPlaylistCache;
  const std::string_view segment_cache = is_private ? "private, max-age=31536000, immutable" : kSegmentCache;

  if (file == "master.m3u8" || file == "manifest.mpd") {
    channel->note_viewer(context.client.address);
    if (!snapshot->master_playlist || !snapshot->mpd) {
      return not_found("the stream has not produced its first segment yet");
    }
    if (file == "master.m3u8") {
      return manifest_file(request, snapshot->master_playlist, "application/vnd.apple.mpegurl", playlist_cache);
    }
    // A low-latency MPD changes every part: a cache keeping it a second (an
    // nginx edge) put dash.js up to 2 s further behind, with stalls.
    const std::string_view mpd_cache =
        !channel->held_requests() ? playlist_cache : (is_private ? "private, no-cache" : "no-cache");
    return manifest_file(request, snapshot->mpd, "application/dash+xml", mpd_cache);
  }
  const std::size_t slash = file.find('/');
  if (slash != std::string_view::npos && file.substr(slash + 1) == "media.m3u8") {
    const auto it = snapshot->media_playlists.find(file.substr(0, slash));
    if (it == snapshot->media_playlists.end()) return not_found("no such track");
    const std::string_view media_cache =
        media_playlist_cache(request, channel->held_requests() != nullptr, is_private, playlist_cache);
    if (auto blocking =
            deps.low_latency->media_playlist(request, context, channel, file.substr(0, slash), media_cache)) {
      return std::move(*blocking);
    }
    return manifest_file(request, media_playlist_for(request, *snapshot, it->first), "application/vnd.apple.mpegurl",
                         media_cache);
  }
  std::string_view stored = file;
  // The live MPD's $Time$ name of a segment (live/rendered_manifest.hpp).
  if (const auto named = snapshot->dash_names.find(file); named != snapshot->dash_names.end()) stored = named->second;
  // Segment names are unique per presentation, so name + size is a strong validator.
  const auto etag_of = [&](std::size_t size) { return fmt::format("\"{}-{}\"", std::string(stored), size); };
  if (const auto sealed = snapshot->sealed_files.find(stored); sealed != snapshot->sealed_files.end()) {
    counters.segment_hits.inc();
    auto open = http::OpenFile::of_sealed(sealed->second, etag_of(sealed->second->size()));
    http::Response res = http::serve_file(request, {open, http::mime_type_for(stored), segment_cache});
    res.set(field::access_control_allow_origin, "*");
    return res;
  }
  const auto it = snapshot->files.find(stored);
  if (it == snapshot->files.end()) {
    if (auto answer = deps.low_latency->media_file(request, context, channel, *snapshot, stored, segment_cache)) {
      return std::move(*answer);
    }
    counters.segment_misses.inc();
    return not_found("segment not available (expired or not yet produced)");
  }
  counters.segment_hits.inc();
  const auto& bytes = it->second;
  http::BytesBody::value_type body{bytes, {reinterpret_cast<const char*>(bytes->data()), bytes->size()}};
  const std::string etag = etag_of(bytes->size());
  http::Response res = http::serve_bytes(request, {body, http::mime_type_for(file), etag, segment_cache});
  res.set(field::access_control_allow_origin, "*");
  return res;
}

http::Response serve_vod(const http::Request& request, const http::RouteContext& context, VideoLookupCache& videos,
                         http::OpenFileCache& files, const MediaLinks& links, MediaRefusals& refusals) {
  const std::string id(context.param("id"));
  std::string file(context.param("*"));  // already normalised by the router: no "..", no escapes
  const auto signature = take_signature(file, vod_prefix(id), links.signer());
  std::shared_ptr<const catalog::Video> video;
  try {
    video = videos.find(id);
  } catch (const std::exception&) {
    return http::make_json_error(http::Status::service_unavailable, "catalog_unavailable",
                                 "the catalog is unavailable");
  }
  if (!video || video->state != catalog::VideoState::ready) return not_found("no such video");
  const bool is_private = video->visibility == "private";
  if (signature && *signature != core::SignatureCheck::ok)
    return refused(refusals, context, "video", id, core::to_string(*signature));
  if (is_private && !signature) return refused(refusals, context, "video", id, "unsigned");
  if (file.empty()) return not_found("no such file");
  // Opened, not read: conditional and Range requests are answered from
  // fstat, and the session sends only the requested bytes from the page cache.
  auto opened = files.open(links.videos_dir() / id / file);
  if (!opened) return not_found("no such file");
  const bool playlist = file.ends_with(".m3u8") || file.ends_with(".mpd");
  // Private media must stay out of shared caches.
  const std::string_view cache = is_private
                                     ? (playlist ? "private, max-age=60" : "private, max-age=31536000, immutable")
                                     : (playlist ? "public, max-age=60" : kSegmentCache);
  http::Response res = http::serve_file(
      request, {.file = std::move(opened), .content_type = http::mime_type_for(file), .cache_control = cache});
  res.set(field::access_control_allow_origin, "*");
  return res;
}

}  // namespace

void add_media_routes(http::Router& router, live::LiveService& live, catalog::VideoRepository& videos,
                      const ChannelVisibility& private_channels, const MediaLinks& links, core::Logger& log,
                      MediaCounters counters) {
  auto refusals = std::make_shared<MediaRefusals>(log, counters.refused);
  auto live_deps = std::make_shared<LiveDeps>(
      LiveDeps{live, private_channels, links, log, counters, refusals, std::make_shared<LowLatencyRoutes>(log)});
  router.add(http::Verb::get, "/live/{channel}/*",
             [live_deps](const http::Request& request, const http::RouteContext& context) {
               return serve_live(request, context, *live_deps);
             });
  // Every segment request asks for its video: from memory (api/video_lookup_cache.hpp).
  auto vod_videos = std::make_shared<VideoLookupCache>(videos);
  // A viewer's next segments and other viewers' same segment reuse the descriptor.
  auto vod_files = std::make_shared<http::OpenFileCache>(256, std::chrono::seconds(5));
  router.add(
      http::Verb::get, "/vod/{id}/*",
      [vod_videos, vod_files, &links, refusals](const http::Request& request, const http::RouteContext& context) {
        return serve_vod(request, context, *vod_videos, *vod_files, links, *refusals);
      });
}

}  // namespace tidecast::api

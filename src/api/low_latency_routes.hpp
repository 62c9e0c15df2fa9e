#pragma once
// /live/<channel>/… in low-latency mode (docs/ARCHITECTURE.md "Low latency"):
// LL-HLS blocking playlist reload (_HLS_msn/_HLS_part, RFC 8216bis 6.2.5.2)
// and preload-hinted parts requested before they exist, held in the
// channel's live::HeldRequests and answered through http::DeferredResponse
// (no thread waits); segments held as their parts, sent as the run of the
// part buffers. serve_live (media_routes.cpp) asks here first.
#include <optional>
#include <string_view>

#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "http/router.hpp"
#include "live/live_channel.hpp"

namespace tidecast::api {

// The media playlist of `track` a request gets: the Playlist Delta Update
// for _HLS_skip=YES or v2 (RFC 8216bis 6.2.5.1) while the snapshot has one,
// else the full playlist; null for no such track. Both are rendered with the
// snapshot, never per request.
live::SharedManifest media_playlist_for(const http::Request& request, const live::LiveSnapshot& snapshot,
                                        std::string_view track);

// The Cache-Control of a media playlist answer. A low-latency playlist asked
// for without _HLS_msn (a player's first load) changes every part: kept a
// second by a shared cache (an nginx edge), it would start players up to a
// second apart, so it is no-cache. Blocking-reload URLs name what they wait
// for and keep `playlist_cache`, as does every normal-latency playlist.
std::string_view media_playlist_cache(const http::Request& request, bool low_latency, bool is_private,
                                      std::string_view playlist_cache);

class LowLatencyRoutes {
 public:
  explicit LowLatencyRoutes(core::Logger& log) : log_(log) {}

  // <track>/media.m3u8 with _HLS_msn (and _HLS_part): an answer now, a held
  // answer, or a 400. Without them: held until a part completes when the
  // newest one is not fresh (live/fresh_playlist.hpp), else nullopt (served
  // as usual).
  std::optional<http::Response> media_playlist(const http::Request& request, const http::RouteContext& context,
                                               const std::shared_ptr<live::LiveChannel>& channel,
                                               std::string_view track, std::string_view cache_control);
  // A file the snapshot does not have as one buffer: a segment held as its
  // parts, or a part about to complete (held). nullopt: not found.
  std::optional<http::Response> media_file(const http::Request& request, const http::RouteContext& context,
                                           const std::shared_ptr<live::LiveChannel>& channel,
                                           const live::LiveSnapshot& snapshot, std::string_view file,
                                           std::string_view cache_control);

 private:
  http::Response refuse(const http::RouteContext& context, http::Status status, std::string_view code,
                        std::string_view message, std::string_view channel);
  // `plain`: a request without _HLS_msn held for a fresh part (live/fresh_playlist.hpp).
  std::optional<http::Response> hold(const http::Request& request, const http::RouteContext& context,
                                     const std::shared_ptr<live::LiveChannel>& channel, live::HoldTarget target,
                                     std::string cache_control, bool plain = false);
  std::optional<http::Response> fresh_playlist(const http::Request& request, const http::RouteContext& context,
                                               const std::shared_ptr<live::LiveChannel>& channel,
                                               std::string_view track, std::string_view cache_control);

  core::Logger& log_;
  core::LogThrottle throttle_;
};

}  // namespace tidecast::api

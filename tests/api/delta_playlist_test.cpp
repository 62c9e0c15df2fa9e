// Which media playlist a live request gets (api/low_latency_routes.hpp):
// the delta update for _HLS_skip=YES / v2, the full one otherwise.
#include <doctest/doctest.h>

#include "api/low_latency_routes.hpp"

using namespace tidecast;

namespace {

http::Request get(std::string target) {
  return http::Request{http::Verb::get, target, 11};
}

}  // namespace

TEST_CASE("_HLS_skip=YES and v2 get the pre-rendered delta updates; anything else the full playlist") {
  live::LiveSnapshot s;
  s.media_playlists["v0"] = live::render_manifest("full");
  const auto yes = live::render_manifest("delta yes");
  const auto v2 = live::render_manifest("delta v2");
  s.delta_playlists["v0"] = {yes, v2};
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8"), s, "v0")->text == "full");
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8?_HLS_skip=YES"), s, "v0") == yes);
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8?_HLS_msn=4&_HLS_part=1&_HLS_skip=YES"), s, "v0") == yes);
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8?_HLS_skip=v2&_HLS_msn=4"), s, "v0") == v2);
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8?_HLS_skip=yes"), s, "v0")->text == "full");
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8?_HLS_skip=NO"), s, "v0")->text == "full");
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8?_HLS_skip="), s, "v0")->text == "full");
  CHECK(api::media_playlist_for(get("/live/c/a9/media.m3u8?_HLS_skip=YES"), s, "a9") == nullptr);
  // No delta updates (normal latency, or the stream ended): the full playlist.
  s.delta_playlists.clear();
  CHECK(api::media_playlist_for(get("/live/c/v0/media.m3u8?_HLS_skip=YES"), s, "v0")->text == "full");
}

TEST_CASE(
    "a plain low-latency media playlist is no-cache; blocking reloads and normal latency keep the playlist cache") {
  const std::string_view cache = "public, max-age=1";
  CHECK(api::media_playlist_cache(get("/live/c/v0/media.m3u8"), true, false, cache) == "no-cache");
  CHECK(api::media_playlist_cache(get("/live/c/v0/media.m3u8?x=1"), true, false, cache) == "no-cache");
  CHECK(api::media_playlist_cache(get("/live/c/v0/media.m3u8"), true, true, "private, max-age=1") ==
        "private, no-cache");
  CHECK(api::media_playlist_cache(get("/live/c/v0/media.m3u8?_HLS_msn=4&_HLS_part=1"), true, false, cache) == cache);
  CHECK(api::media_playlist_cache(get("/live/c/v0/media.m3u8"), false, false, cache) == cache);
}

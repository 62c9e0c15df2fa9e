#pragma once
// The live manifests as served: rendered once per update of the window (each
// published LiveSnapshot), immutable, with a strong ETag made once, so a
// request is a pointer copy and an If-None-Match a string compare.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "package/presentation.hpp"

namespace tidecast::live {

struct RenderedManifest {
  std::string text;
  std::string etag;  // quoted, strong: a hash of `text` plus its size
  // The HTTP response heads of this manifest, built once on first use by the
  // route that serves it (api/media_routes.cpp): one per caching variant
  // (public, private). Opaque here.
  mutable std::array<std::once_flag, 2> head_once;
  mutable std::array<std::string, 2> head;
};

using SharedManifest = std::shared_ptr<const RenderedManifest>;

SharedManifest render_manifest(std::string text);

struct LiveSnapshot;
// The media playlist of presentation.tracks[track_index] into
// snapshot.media_playlists, and with low latency its delta updates into
// snapshot.delta_playlists (package::HlsSkip).
void render_media_playlist(LiveSnapshot& snapshot, const package::Presentation& presentation, std::size_t track_index);

// The live MPD as of the update at `update_ms`: publishTime and the direct
// UTCTiming value are that update's time (never a request's), so every
// request until the next update gets the same bytes.
SharedManifest render_live_mpd(const package::Presentation& dash, std::string_view utc_timing_url,
                               std::int64_t update_ms);

// The live MPD addresses segments by $Time$ (the time-shift window can start
// anywhere in a period), so its names map to the files': for every listed
// Representation and segment, "<track>/<period>-t<start>.m4s" (start from the
// AdaptationSet's shared timeline) -> "<track>/<period>-<index>.m4s".
std::map<std::string, std::string, std::less<>> dash_time_names(const package::Presentation& dash);

// Low-latency DASH: the live MPD also lists each track's segment in progress
// from its first part on (with the previous segment's duration until it is
// done), so players fetch it by its $Time$ URL while it is being made and
// dash_time_names maps that URL to the segment's file; the route streams it
// part by part (api/chunked_segment.hpp). Defined in dash_open_segments.cpp.
package::Presentation with_open_segments(package::Presentation dash);

}  // namespace tidecast::live

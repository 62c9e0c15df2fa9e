#include "live/rendered_manifest.hpp"

#include <fmt/format.h>

#include "live/snapshot.hpp"
#include "package/dash_manifest.hpp"
#include "package/hls_playlist.hpp"

namespace tidecast::live {

namespace {

// FNV-1a over the text: distinct for distinct bytes in practice, and the same
// on every node and across restarts (a counter would not be), so a shared
// cache never gets a 304 for bytes it does not hold.
std::string content_etag(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ull;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("\"{:016x}-{:x}\"", hash, text.size());
}

}  // namespace

SharedManifest render_manifest(std::string text) {
  auto manifest = std::make_shared<RenderedManifest>();
  manifest->etag = content_etag(text);
  manifest->text = std::move(text);
  return manifest;
}

void render_media_playlist(LiveSnapshot& snapshot, const package::Presentation& presentation, std::size_t track_index) {
  const std::string& id = presentation.tracks.at(track_index).id;
  snapshot.media_playlists[id] = render_manifest(package::hls_media_playlist(presentation, track_index));
  // Delta updates exist while CAN-SKIP-UNTIL is offered (live, low latency,
  // not ended: a playlist with EXT-X-ENDLIST ignores _HLS_skip).
  if (!presentation.live || presentation.ended || presentation.part_target_seconds <= 0) return;
  snapshot.delta_playlists[id] = {
      render_manifest(package::hls_media_playlist(presentation, track_index, package::HlsSkip::yes)),
      render_manifest(package::hls_media_playlist(presentation, track_index, package::HlsSkip::v2))};
}

SharedManifest render_live_mpd(const package::Presentation& dash, std::string_view utc_timing_url,
                               std::int64_t update_ms) {
  package::DashOptions options;
  options.utc_timing_url = std::string(utc_timing_url);
  options.now_ms = update_ms;
  options.time_addressing = true;
  return render_manifest(package::dash_manifest(dash, options));
}

std::map<std::string, std::string, std::less<>> dash_time_names(const package::Presentation& dash) {
  std::map<std::string, std::string, std::less<>> names;
  for (const package::Period& period : dash.periods) {
    for (const auto kind : {media::TrackKind::video, media::TrackKind::audio}) {
      // As the MPD: the first track of the kind with segments in the period
      // gives the timeline every Representation of the kind shares.
      const package::TrackDescription* timeline = nullptr;
      for (const auto& track : dash.tracks) {
        if (track.kind != kind) continue;
        for (const auto& segment : track.segments) {
          if (segment.period == period.index) {
            timeline = &track;
            break;
          }
        }
        if (timeline) break;
      }
      if (!timeline) continue;
      for (const auto& segment : timeline->segments) {
        if (segment.period != period.index) continue;
        const std::string time_name = segment.time_file_name();
        const std::string file_name = segment.file_name();
        for (const auto& track : dash.tracks) {
          if (track.kind == kind) names.emplace(track.id + "/" + time_name, track.id + "/" + file_name);
        }
      }
    }
  }
  return names;
}

}  // namespace tidecast::live

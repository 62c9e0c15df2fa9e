#pragma once
// An immutable view of one live presentation, swapped in whole each time a
// segment completes. HTTP handlers read it without locks or copies of media.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/sealed_bytes.hpp"
#include "live/rendered_manifest.hpp"
#include "package/presentation.hpp"

namespace tidecast::live {

using SharedBytes = std::shared_ptr<const std::vector<std::uint8_t>>;
// A low-latency segment: the run of its parts' buffers (served with a gather write).
using SharedPieces = std::shared_ptr<const std::vector<SharedBytes>>;
// A whole segment in a sealed memory file (core/sealed_bytes.hpp): plain HTTP
// viewers get it with sendfile, not a copy through user space each.
using SealedFile = std::shared_ptr<const core::SealedBytes>;

struct LiveSnapshot {
  std::string channel;
  package::Presentation presentation;                             // the playlist window (HLS)
  std::int64_t updated_ms = 0;                                    // unix ms of the update that made this snapshot
  std::map<std::string, SharedBytes, std::less<>> files;          // "v0/init-0.mp4", "v0/17.m4s", parts "v0/17-3.0.m4s"
  std::map<std::string, SharedPieces, std::less<>> pieced_files;  // low latency: segments made of parts
  std::map<std::string, SealedFile, std::less<>> sealed_files;    // whole segments, when the kernel gave a memfd
  // Rendered once per update (rendered_manifest.hpp); null until the first segment.
  SharedManifest master_playlist;
  SharedManifest mpd;
  std::map<std::string, SharedManifest, std::less<>> media_playlists;  // by track id
  // Low latency: the Playlist Delta Updates by track id ([0] _HLS_skip=YES,
  // [1] _HLS_skip=v2), rendered with the full playlists; none once ended.
  std::map<std::string, std::array<SharedManifest, 2>, std::less<>> delta_playlists;
  std::map<std::string, std::string, std::less<>> dash_names;  // the MPD's $Time$ names -> files (dash_time_names)
  std::uint64_t cached_bytes = 0;
  // Tracks that stopped making parts for good (a shed rung): nothing to wait for.
  std::set<std::string, std::less<>> withdrawn_tracks;
};

}  // namespace tidecast::live

#pragma once
// HLS (RFC 8216bis) playlists for a Presentation: version 7, fMP4 with
// EXT-X-MAP, independent segments, program date time on every segment.
#include <string>

#include "package/presentation.hpp"

namespace tidecast::package {

// Master playlist: one variant per video track, audio as an EXT-X-MEDIA group.
std::string hls_master_playlist(const Presentation& presentation);
// Media playlist for tracks[track_index].
std::string hls_media_playlist(const Presentation& presentation, std::size_t track_index);

}  // namespace tidecast::package

#pragma once
// HLS (RFC 8216bis) playlists for a Presentation: version 7, fMP4 with
// EXT-X-MAP, independent segments, program date time on every segment.
#include <string>

#include "package/presentation.hpp"

namespace tidecast::package {

// Master playlist: one variant per video track, audio as an EXT-X-MEDIA group.
std::string hls_master_playlist(const Presentation& presentation);
// A Playlist Delta Update (RFC 8216bis 6.2.5.1), asked for with _HLS_skip.
enum class HlsSkip { none, yes, v2 };

// Media playlist for tracks[track_index]; with `skip`, live low-latency
// playlists that have not ended replace their segments older than the skip
// boundary (CAN-SKIP-UNTIL) by EXT-X-SKIP.
std::string hls_media_playlist(const Presentation& presentation, std::size_t track_index, HlsSkip skip = HlsSkip::none);

}  // namespace tidecast::package

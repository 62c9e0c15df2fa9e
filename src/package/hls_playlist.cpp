#include "package/hls_playlist.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "package/dash_manifest.hpp"
#include "package/hls_low_latency.hpp"

namespace tidecast::package {

namespace {

using media::TrackKind;

const TrackDescription* first_of(const Presentation& p, TrackKind kind) {
  for (const auto& track : p.tracks) {
    if (track.kind == kind) return &track;
  }
  return nullptr;
}

// Version 9 for EXT-X-SKIP (RFC 8216bis 8; 10 only when it replaces
// EXT-X-DATERANGE tags, which these playlists do not have).
void append_header(std::string& out, int version = 7) {
  out += fmt::format("#EXTM3U\n#EXT-X-VERSION:{}\n#EXT-X-INDEPENDENT-SEGMENTS\n", version);
}

}  // namespace

std::string hls_master_playlist(const Presentation& p) {
  std::string out;
  append_header(out);
  const TrackDescription* audio = first_of(p, TrackKind::audio);
  if (audio && first_of(p, TrackKind::video)) {
    out += fmt::format(
        "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"default\",DEFAULT=YES,AUTOSELECT=YES,"
        "CHANNELS=\"{}\",URI=\"{}/media.m3u8\"\n",
        audio->channels > 0 ? audio->channels : 2, audio->id);
  }
  // Smallest picture first: a player without a bandwidth estimate yet
  // (Safari and iOS start on the first variant listed) starts low and climbs,
  // instead of a phone on 3G starting on the source.
  std::vector<const TrackDescription*> videos;
  for (const auto& track : p.tracks) {
    if (track.kind == TrackKind::video) videos.push_back(&track);
  }
  std::stable_sort(videos.begin(), videos.end(), [](const TrackDescription* a, const TrackDescription* b) {
    const auto key = [](const TrackDescription* t) {
      return std::pair(t->height > 0 ? t->height : std::numeric_limits<int>::max(), t->peak_bandwidth);
    };
    return key(a) < key(b);
  });
  for (const TrackDescription* video : videos) {
    const TrackDescription& track = *video;
    const std::uint64_t audio_peak = audio ? audio->peak_bandwidth : 0;
    const std::uint64_t audio_avg = audio ? audio->average_bandwidth : 0;
    std::string codecs = track.codecs;
    if (audio) codecs += "," + audio->codecs;
    out += fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\"",
                       track.peak_bandwidth + audio_peak, track.average_bandwidth + audio_avg, codecs);
    if (track.width > 0 && track.height > 0) out += fmt::format(",RESOLUTION={}x{}", track.width, track.height);
    if (track.frame_rate > 0) out += fmt::format(",FRAME-RATE={:.3f}", track.frame_rate);
    if (audio) out += ",AUDIO=\"audio\"";
    out += fmt::format("\n{}/media.m3u8\n", track.id);
  }
  if (!first_of(p, TrackKind::video) && audio) {
    out += fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\"\n{}/media.m3u8\n",
                       audio->peak_bandwidth, audio->average_bandwidth, audio->codecs, audio->id);
  }
  return out;
}

std::string hls_media_playlist(const Presentation& p, std::size_t track_index, HlsSkip skip) {
  const TrackDescription& track = p.tracks.at(track_index);
  double longest = p.target_duration_seconds;
  for (const auto& segment : track.segments) longest = std::max(longest, segment.duration_seconds(track.timescale));
  // RFC 8216: EXTINF rounded to the nearest integer must not exceed the target.
  const int target = static_cast<int>(std::lround(longest + 0.0001));
  const bool low_latency = p.live && p.part_target_seconds > 0;
  const bool delta = low_latency && !p.ended && skip != HlsSkip::none;

  std::string out;
  append_header(out, delta ? 9 : 7);
  out += fmt::format("#EXT-X-TARGETDURATION:{}\n", target);
  if (low_latency) append_server_control(out, p, target);
  if (!p.live) out += "#EXT-X-PLAYLIST-TYPE:VOD\n";
  const std::uint32_t first_number = track.segments.empty() ? 0 : track.segments.front().number;
  out += fmt::format("#EXT-X-MEDIA-SEQUENCE:{}\n", first_number);
  if (p.discontinuity_sequence > 0) out += fmt::format("#EXT-X-DISCONTINUITY-SEQUENCE:{}\n", p.discontinuity_sequence);

  const std::uint32_t parts_from = low_latency ? parts_listed_from(p, track) : 0;
  const std::size_t skipped = delta ? skippable_segments(track, target) : 0;
  if (delta) append_skip(out, skipped, skip == HlsSkip::v2);
  // After a skip the first segment still gets its map (and its
  // discontinuity if it opens a period): only the skipped ones' tags go.
  std::int64_t current_period = skipped > 0 ? static_cast<std::int64_t>(track.segments[skipped - 1].period) : -1;
  bool map_due = true;
  for (std::size_t i = skipped; i < track.segments.size(); ++i) {
    const SegmentEntry& segment = track.segments[i];
    if (static_cast<std::int64_t>(segment.period) != current_period || map_due) {
      if (current_period >= 0 && static_cast<std::int64_t>(segment.period) != current_period) {
        out += "#EXT-X-DISCONTINUITY\n";
      }
      out += fmt::format("#EXT-X-MAP:URI=\"init-{}.mp4\"\n", segment.period);
      current_period = segment.period;
      map_due = false;
    }
    if (segment.missing) out += "#EXT-X-GAP\n";
    out += fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso_datetime_ms(segment.wallclock_ms));
    if (low_latency) append_segment_parts(out, track, segment.number, parts_from);
    out += fmt::format("#EXTINF:{:.5f},\n{}\n", segment.duration_seconds(track.timescale), segment.file_name());
  }
  if (low_latency) append_live_edge(out, p, track_index);
  if (!p.live || p.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace tidecast::package

#include "package/hls_low_latency.hpp"

#include <fmt/format.h>

#include "package/dash_manifest.hpp"

namespace tidecast::package {

namespace {

// The parts of segment `number`, if the track has all of them from the first.
std::pair<std::size_t, std::size_t> parts_of(const TrackDescription& track, std::uint32_t number) {
  std::size_t first = track.parts.size();
  std::size_t end = track.parts.size();
  for (std::size_t i = 0; i < track.parts.size(); ++i) {
    if (track.parts[i].number == number && first == track.parts.size()) first = i;
    if (track.parts[i].number > number) {
      end = i;
      break;
    }
  }
  if (first >= end || track.parts[first].index != 0) return {0, 0};
  return {first, end};
}

void append_part(std::string& out, const TrackDescription& track, const PartEntry& part) {
  out += fmt::format("#EXT-X-PART:DURATION={:.5f},URI=\"{}\"{}\n", part.duration_seconds(track.timescale),
                     part.file_name(), part.independent ? ",INDEPENDENT=YES" : "");
}

}  // namespace

std::optional<PartPosition> last_position(const TrackDescription& track) {
  const SegmentEntry* segment = track.segments.empty() ? nullptr : &track.segments.back();
  // Parts past the open segment (a rung that rejoined after a gap, before its
  // first new segment completes) are not in the playlist, so they are not
  // its position: counting them answered every blocking reload at once with
  // a playlist that never changed, and players asked again in a loop.
  const PartEntry* part = nullptr;
  for (auto it = track.parts.rbegin(); it != track.parts.rend(); ++it) {
    if (!segment || it->number <= segment->number + 1) {
      part = &*it;
      break;
    }
  }
  if (part && (!segment || part->number >= segment->number)) {
    return PartPosition{
        .msn = part->number, .part = part->index, .segment_complete = segment && segment->number == part->number};
  }
  if (segment) return PartPosition{.msn = segment->number, .part = std::nullopt, .segment_complete = true};
  return std::nullopt;
}

double part_hold_back_seconds(const Presentation& p) {
  return 3 * p.part_target_seconds;
}

double skip_boundary_seconds(int target_duration) {
  return 6.0 * target_duration;
}

void append_server_control(std::string& out, const Presentation& p, int target_duration) {
  // CAN-SKIP-DATERANGES: these playlists have no EXT-X-DATERANGE, so a v2
  // delta update is the same skip with an empty removed-dateranges list.
  out += fmt::format(
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={:.3f},CAN-SKIP-UNTIL={:.3f},CAN-SKIP-DATERANGES="
      "YES\n",
      part_hold_back_seconds(p), skip_boundary_seconds(target_duration));
  out += fmt::format("#EXT-X-PART-INF:PART-TARGET={:.3f}\n", p.part_target_seconds);
}

std::size_t skippable_segments(const TrackDescription& track, int target_duration) {
  if (track.segments.empty()) return 0;
  const double boundary = skip_boundary_seconds(target_duration);
  // From the end of each segment to the end of the last one, newest first.
  double distance = 0;
  for (std::size_t i = track.segments.size(); i-- > 0;) {
    if (distance >= boundary) return i + 1;  // segments 0..i end at least the boundary before the end
    distance += track.segments[i].duration_seconds(track.timescale);
  }
  return 0;
}

void append_skip(std::string& out, std::size_t skipped, bool v2) {
  out += fmt::format("#EXT-X-SKIP:SKIPPED-SEGMENTS={}{}\n", skipped, v2 ? ",RECENTLY-REMOVED-DATERANGES=\"\"" : "");
}

std::uint32_t parts_listed_from(const Presentation& p, const TrackDescription& track) {
  // RFC 8216bis 4.4.4.9: parts older than three target durations from the
  // end of the playlist are not listed.
  // A segment is listed when any of its parts is inside that window, i.e.
  // when it ends less than three target durations from the end (the one
  // that straddles the window's start included).
  const double window = 3 * p.target_duration_seconds;
  double span = 0;  // from the end of the segment looked at to the end of the playlist
  const std::uint32_t open = track.segments.empty() ? 0 : track.segments.back().number + 1;
  for (const auto& part : track.parts) {
    if (track.segments.empty() || part.number == open) span += part.duration_seconds(track.timescale);
  }
  std::uint32_t from = open;
  for (auto it = track.segments.rbegin(); it != track.segments.rend(); ++it) {
    if (span >= window) break;
    from = it->number;
    span += it->duration_seconds(track.timescale);
  }
  return from;
}

void append_segment_parts(std::string& out, const TrackDescription& track, std::uint32_t number,
                          std::uint32_t listed_from) {
  if (number < listed_from) return;
  const auto [first, end] = parts_of(track, number);
  for (std::size_t i = first; i < end; ++i) append_part(out, track, track.parts[i]);
}

void append_live_edge(std::string& out, const Presentation& p, std::size_t track_index) {
  if (p.ended || !p.live) return;
  const TrackDescription& track = p.tracks.at(track_index);
  const SegmentEntry* last = track.segments.empty() ? nullptr : &track.segments.back();
  const std::uint32_t open = last ? last->number + 1 : (track.parts.empty() ? 0 : track.parts.front().number);
  const auto [first, end] = parts_of(track, open);
  if (first < end) {
    const PartEntry& opening = track.parts[first];
    if (!last || opening.period != last->period) {
      if (last) out += "#EXT-X-DISCONTINUITY\n";
      out += fmt::format("#EXT-X-MAP:URI=\"init-{}.mp4\"\n", opening.period);
    }
    out += fmt::format("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso_datetime_ms(opening.wallclock_ms));
    for (std::size_t i = first; i < end; ++i) append_part(out, track, track.parts[i]);
  }
  // The next part: the following one of the open segment, or the first of the next.
  PartEntry next;
  if (first < end) {
    next = track.parts[end - 1];
    ++next.index;
  } else if (last) {
    next.period = last->period;
    next.segment_index = last->index + 1;
    next.index = 0;
  }
  if (first < end || last) out += fmt::format("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{}\"\n", next.file_name());
  for (std::size_t i = 0; i < p.tracks.size(); ++i) {
    if (i == track_index) continue;
    const auto position = last_position(p.tracks[i]);
    if (!position) continue;
    out += fmt::format("#EXT-X-RENDITION-REPORT:URI=\"../{}/media.m3u8\",LAST-MSN={}", p.tracks[i].id, position->msn);
    if (position->part) out += fmt::format(",LAST-PART={}", *position->part);
    out += "\n";
  }
}

}  // namespace tidecast::package

#pragma once
// What HLS playlists and the DASH manifest describe: a set of tracks cut into
// the same numbered CMAF segments. Both manifest writers are pure functions of
// this snapshot, so the two views can never disagree about the segments.
//
// File layout (relative to the presentation root, e.g. /live/<channel>/):
//   master.m3u8, manifest.mpd, <track>/media.m3u8,
//   <track>/init-<period>.mp4, <track>/<period>-<index>.m4s
//
// Segment files are named by their index within the period: a static MPD
// addresses them with $Number$ from startNumber 0 of each Period. The live
// MPD lists only the time-shift window and addresses them by $Time$
// (time_file_name): FFmpeg's DASH demuxer follows a numbered live timeline
// only when it starts at the period's first segment.
// HLS uses the presentation-wide `number` as its media sequence.
#include <cstdint>
#include <string>
#include <vector>

#include "media/packet.hpp"

namespace tidecast::package {

struct SegmentEntry {
  std::uint32_t number = 0;  // presentation-wide sequence (HLS media sequence)
  std::uint32_t index = 0;   // within its period (DASH $Number$, file name)
  std::uint64_t start = 0;   // track timescale, relative to the period start
  std::uint64_t duration = 0;
  std::uint32_t period = 0;
  std::int64_t wallclock_ms = 0;  // unix ms at the segment's start (EXT-X-PROGRAM-DATE-TIME)
  std::uint64_t bytes = 0;
  // A recorded segment whose file never reached the disk (disk full): HLS
  // marks it EXT-X-GAP, DASH splits the Period around it.
  bool missing = false;
  std::string file_name() const;       // "<period>-<index>.m4s"
  std::string time_file_name() const;  // "<period>-t<start>.m4s": the live MPD's name for it ($Time$)
  double duration_seconds(std::uint32_t timescale) const { return static_cast<double>(duration) / timescale; }
};

// Low latency: one part of a segment (LL-HLS EXT-X-PART).
struct PartEntry {
  std::uint32_t number = 0;  // its segment's media sequence number
  std::uint32_t index = 0;   // within the segment, from 0
  std::uint32_t period = 0;  // its segment's period and index in it (the file name)
  std::uint32_t segment_index = 0;
  std::uint64_t duration = 0;     // track timescale
  std::int64_t wallclock_ms = 0;  // unix ms at the part's start
  std::int64_t made_ms = 0;       // unix ms when it was complete (listed and served from then on)
  bool independent = false;
  std::uint64_t start = 0;        // track timescale, like SegmentEntry::start
  std::string file_name() const;  // "<period>-<segment index>.<index>.m4s"
  double duration_seconds(std::uint32_t timescale) const { return static_cast<double>(duration) / timescale; }
};

struct TrackDescription {
  media::TrackKind kind = media::TrackKind::video;
  std::string id;  // "v0", "a0": the path component and DASH Representation id
  std::string codecs;
  std::uint32_t timescale = 90000;
  std::uint64_t peak_bandwidth = 0;     // bits/s, measured over segments
  std::uint64_t average_bandwidth = 0;  // bits/s
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  int sample_rate = 0;
  int channels = 0;
  std::vector<SegmentEntry> segments;  // the current window, oldest first
  // Low latency: the parts of the newest segments and of the one in
  // progress (numbers above the last segment's), oldest first.
  std::vector<PartEntry> parts;
};

struct Period {
  std::uint32_t index = 0;
  double start_seconds = 0;  // presentation time where the period begins (a whole second after the first period)
};

struct Presentation {
  bool live = true;    // false: a finished recording or a VOD (static manifests)
  bool ended = false;  // live stream over: HLS gets EXT-X-ENDLIST, DASH turns static
  double target_duration_seconds = 2;
  std::int64_t availability_start_ms = 0;  // unix ms of presentation time 0
  double time_shift_buffer_seconds = 12;
  std::uint32_t discontinuity_sequence = 0;  // discontinuities that left the window
  std::vector<Period> periods;               // oldest first; at least one
  // Low latency: the part target (LL-HLS EXT-X-PART-INF); 0 = no parts.
  double part_target_seconds = 0;
  std::vector<TrackDescription> tracks;  // video tracks first, then audio
};

// Sum of the durations of the first track of `kind` (or of any track), in seconds.
double presentation_duration_seconds(const Presentation& presentation);

}  // namespace tidecast::package

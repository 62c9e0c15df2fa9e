#pragma once
// DASH MPD (ISO/IEC 23009-1, isoff-live profile) for a Presentation:
// SegmentTemplate + SegmentTimeline with $Number$, one Period per publisher
// session, dynamic while live, static once ended or for VOD.
#include <cstdint>
#include <string>

#include "package/presentation.hpp"

namespace tidecast::package {

struct DashOptions {
  // The server's clock for UTCTiming (http-iso): a reference players resolve
  // against the MPD's own URL, e.g. "/api/v1/time", so they ask whichever
  // host served them the MPD (a CDN, a proxy), never one named by Host.
  std::string utc_timing_url;
  // When the MPD was made (live: the update's time, not a request's):
  // publishTime, and the direct UTCTiming fallback.
  std::int64_t now_ms = 0;
  // Segments addressed by $Time$ ("<period>-t<start>.m4s", SegmentEntry::
  // time_file_name) instead of $Number$: a live timeline can then start
  // anywhere in its period (the time-shift window) and every player,
  // FFmpeg's DASH demuxer included, still names the right segment.
  bool time_addressing = false;
};

std::string dash_manifest(const Presentation& presentation, const DashOptions& options);

// "PT1M2.500S"
std::string iso_duration(double seconds);
// "2026-11-21T06:05:00.123Z"
std::string iso_datetime_ms(std::int64_t unix_ms);

}  // namespace tidecast::package

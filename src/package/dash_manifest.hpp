#pragma once
// DASH MPD (ISO/IEC 23009-1, isoff-live profile) for a Presentation:
// SegmentTemplate + SegmentTimeline with $Number$, one Period per publisher
// session, dynamic while live, static once ended or for VOD.
#include <cstdint>
#include <string>

#include "package/presentation.hpp"

namespace tidecast::package {

struct DashOptions {
  std::string utc_timing_url;  // absolute URL of the server's clock (http-iso)
  std::int64_t now_ms = 0;     // publishTime
};

std::string dash_manifest(const Presentation& presentation, const DashOptions& options);

// "PT1M2.500S"
std::string iso_duration(double seconds);
// "2026-11-21T06:05:00.123Z"
std::string iso_datetime_ms(std::int64_t unix_ms);

}  // namespace tidecast::package

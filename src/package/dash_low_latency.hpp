#pragma once
// Low-latency DASH from the same CMAF parts (docs/ARCHITECTURE.md "Low
// latency"): a live MPD of a presentation with parts tells players that a
// segment can be fetched a part after it starts (availabilityTimeOffset =
// segment target - part target, availabilityTimeComplete="false": it is
// sent with chunked transfer as its parts complete) and which latency to
// keep (ServiceDescription: dash.js turns on its low-latency catch-up).
#include <string>

#include "package/presentation.hpp"

namespace tidecast::package {

// True for a live, not ended presentation with parts.
bool dash_low_latency(const Presentation& presentation);
// MPD@minimumUpdatePeriod: the segment target, or with parts the part
// target: the timeline gains the segment in progress when its first part is
// made, and a player that learns of it a segment late is a segment behind.
double dash_update_period_seconds(const Presentation& presentation);
// The SegmentTemplate attributes (leading space), or "".
std::string dash_availability_attributes(const Presentation& presentation);
// <ServiceDescription> (latency target/min/max in ms, playback rates), or nothing.
void append_service_description(std::string& out, const Presentation& presentation);

// The latency players are asked to keep: four part targets (PART-HOLD-BACK
// plus the part in flight), at least half of it, at most a segment more.
struct DashLatency {
  long target_ms = 0;
  long min_ms = 0;
  long max_ms = 0;
};
DashLatency dash_latency(const Presentation& presentation);

}  // namespace tidecast::package

#include "package/presentation.hpp"

namespace tidecast::package {

double presentation_duration_seconds(const Presentation& presentation) {
  if (presentation.tracks.empty()) return 0;
  const TrackDescription& track = presentation.tracks.front();
  double total = 0;
  for (const SegmentEntry& segment : track.segments) total += segment.duration_seconds(track.timescale);
  return total;
}

}  // namespace tidecast::package

#include "package/presentation.hpp"

#include <fmt/format.h>

namespace tidecast::package {

std::string SegmentEntry::file_name() const {
  return fmt::format("{}-{}.m4s", period, index);
}

std::string PartEntry::file_name() const {
  return fmt::format("{}-{}.{}.m4s", period, segment_index, index);
}

std::string SegmentEntry::time_file_name() const {
  return fmt::format("{}-t{}.m4s", period, start);
}

double presentation_duration_seconds(const Presentation& presentation) {
  if (presentation.tracks.empty()) return 0;
  const TrackDescription& track = presentation.tracks.front();
  double total = 0;
  for (const SegmentEntry& segment : track.segments) total += segment.duration_seconds(track.timescale);
  return total;
}

}  // namespace tidecast::package

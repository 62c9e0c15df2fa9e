#include "live/dash_timeline.hpp"

#include <algorithm>

namespace tidecast::live {

std::vector<package::SegmentEntry> dash_timeline(const std::vector<package::SegmentEntry>& all,
                                                 std::uint32_t first_period, std::size_t max_segments) {
  auto from = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.period == first_period; });
  if (static_cast<std::size_t>(all.end() - from) > max_segments)
    from = all.end() - static_cast<std::ptrdiff_t>(max_segments);
  return {from, all.end()};
}

}  // namespace tidecast::live

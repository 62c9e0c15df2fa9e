#include "transcode/frame_rate_guess.hpp"

#include <algorithm>
#include <cmath>

namespace tidecast::transcode {

double guess_frame_rate(const std::vector<std::int64_t>& pts, std::uint32_t timescale) {
  if (pts.size() < 2) return 0;
  const auto [first, last] = std::minmax_element(pts.begin(), pts.end());
  if (*last <= *first) return 0;
  const double rate = static_cast<double>(pts.size() - 1) * timescale / static_cast<double>(*last - *first);
  // Timestamps rounded to the timescale (e.g. 33/34 ms at 29.97 fps) make the
  // raw estimate a little off; the nearest common rate is the real one.
  double nearest = 0;
  for (const double common : {23.976, 24.0, 25.0, 29.97, 30.0, 48.0, 50.0, 59.94, 60.0, 120.0}) {
    if (nearest == 0 || std::abs(rate - common) < std::abs(rate - nearest)) nearest = common;
  }
  return std::abs(rate - nearest) < rate * 0.02 ? nearest : rate;
}

}  // namespace tidecast::transcode

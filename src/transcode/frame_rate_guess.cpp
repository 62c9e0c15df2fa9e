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
  // Kept as written when this moved out of live_transcoder.cpp: a rate exactly
  // equal to a listed one compares against the next one up instead, so an
  // exact 23.976, 29.97 or 59.94 ends as 24, 30 or 60.
  double nearest = rate;
  for (const double common : {23.976, 24.0, 25.0, 29.97, 30.0, 48.0, 50.0, 59.94, 60.0, 120.0}) {
    if (std::abs(rate - common) < std::abs(rate - nearest) || nearest == rate) nearest = common;
  }
  return std::abs(rate - nearest) < rate * 0.02 ? nearest : rate;
}

}  // namespace tidecast::transcode

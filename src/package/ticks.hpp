#pragma once
// Exact conversions between timescales for the segmenter: 128-bit products,
// rounded (or ceiled) once, clamped to int64.
#include <cmath>
#include <cstdint>
#include <limits>

namespace tidecast::package {

inline std::int64_t clamp_to_int64(__int128 value) {
  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  return value < lo ? lo : value > hi ? hi : static_cast<std::int64_t>(value);
}

// value * to / from, rounded to nearest (halves away from zero); from > 0, to > 0.
inline std::int64_t rescale(std::int64_t value, std::int64_t from, std::int64_t to) {
  if (from == to) return value;
  const __int128 product = static_cast<__int128>(value) * to;
  const __int128 half = from / 2;
  return clamp_to_int64(product >= 0 ? (product + half) / from : (product - half) / from);
}

// ceil(value * to / from) for value >= 0.
inline std::int64_t rescale_up(std::int64_t value, std::int64_t from, std::int64_t to) {
  const __int128 product = static_cast<__int128>(value) * to;
  return clamp_to_int64((product + from - 1) / from);
}

inline std::int64_t seconds_to_ticks(double seconds, std::int64_t timescale) {
  return static_cast<std::int64_t>(std::llround(seconds * static_cast<double>(timescale)));
}

}  // namespace tidecast::package

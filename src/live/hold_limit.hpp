#pragma once
// How long a low-latency request may be held (RFC 8216bis 6.2.5.2: three
// target durations): the owner's limit (live/held_requests.hpp), and what a
// node that relays to it must wait at least (cluster pulls and segment relay).
#include <chrono>
#include <cmath>

namespace tidecast::live {

inline std::chrono::milliseconds hold_limit(double segment_seconds) {
  return std::chrono::milliseconds(std::llround(3000 * segment_seconds));
}

}  // namespace tidecast::live

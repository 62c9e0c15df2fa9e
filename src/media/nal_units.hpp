#pragma once
// Walking length-prefixed NAL units (the ISO BMFF / RTMP sample format).
#include <cstddef>
#include <cstdint>
#include <span>

namespace tidecast::media {

// Calls `visit(nal)` for each NAL unit of a length-prefixed access unit until it
// returns true; returns whether one did. Never throws and never reads out of
// bounds: stops at a length that runs past the end. Empty NAL units are
// skipped. `nal_length_size` must be 1..4 (else false).
template <class Visit>
bool any_nal_unit(std::span<const std::uint8_t> data, int nal_length_size, Visit&& visit) {
  if (nal_length_size < 1 || nal_length_size > 4) return false;
  const auto length_size = static_cast<std::size_t>(nal_length_size);
  std::size_t position = 0;
  while (data.size() - position >= length_size) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < length_size; ++i) length = (length << 8) | data[position + i];
    position += length_size;
    if (length > data.size() - position) return false;
    if (length > 0 && visit(data.subspan(position, length))) return true;
    position += length;
  }
  return false;
}

}  // namespace tidecast::media

#pragma once
// Reads the first sample back out of a CMAF media segment (styp? moof mdat,
// one track): the keyframe a recorded video segment starts with, which the
// recording's poster and storyboard are made from at its end
// (transcode/live_thumbnail.hpp). Bounds-checked: a short or foreign file
// gives nullopt, never a read past the end.
#include <cstdint>
#include <optional>
#include <span>

namespace tidecast::package {

std::optional<std::span<const std::uint8_t>> first_sample(std::span<const std::uint8_t> segment);

}  // namespace tidecast::package

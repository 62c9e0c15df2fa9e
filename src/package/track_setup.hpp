#pragma once
// The segmenter's track descriptions from a published stream's configs: the
// parameter sets are the truth (FLV metadata may be stale), and H.264/HEVC
// configs are rewritten to declare the 4-byte NAL lengths packets carry.
#include "media/packet.hpp"

namespace tidecast::package {

// Throws std::invalid_argument for a config that cannot be parsed.
media::VideoTrackConfig complete_video_config(const media::VideoTrackConfig& in);

}  // namespace tidecast::package

#pragma once
// AAC: the AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) as sent in the RTMP
// AAC sequence header, and the RFC 6381 codecs string "mp4a.40.<aot>".
//
// Explicit (hierarchical) SBR/PS signalling (object type 5 or 29 first) is
// parsed; implicit SBR/PS (backward-compatible sync extension after the
// GASpecificConfig, or nothing at all) is ignored: such streams are reported
// as their core object type, usually AAC-LC.
//
// Errors: malformed input throws std::invalid_argument ("AudioSpecificConfig:
// ..."), see media/bit_reader.hpp.
#include <cstdint>
#include <span>
#include <string>

#include "media/packet.hpp"

namespace tidecast::media {

struct AacConfig {
  int object_type = 0;            // the first audioObjectType: 2 AAC-LC, 5 SBR (HE-AAC), 29 PS (HE-AACv2)...
  int core_object_type = 0;       // the underlying codec for 5/29, else object_type
  int sample_rate = 0;            // core sampling frequency; AAC frames hold frame_length samples of it
  int channel_configuration = 0;  // 0: defined by a program_config_element (not parsed)
  int channels = 0;               // from channel_configuration; 0 when it is 0
  int frame_length = 1024;        // samples per frame: 960 with frameLengthFlag (480/512 for AAC-LD)
  int extension_sample_rate = 0;  // explicit SBR/PS output sampling frequency, else 0

  // What a decoder outputs: the SBR rate when signalled explicitly, else the core rate.
  int output_sample_rate() const { return extension_sample_rate > 0 ? extension_sample_rate : sample_rate; }
};

AacConfig parse_audio_specific_config(std::span<const std::uint8_t> asc);

// "mp4a.40.<object_type>", e.g. "mp4a.40.2" (LC) or "mp4a.40.5" (HE-AAC).
std::string aac_codecs_string(const AacConfig& config);

// Track config: decoder_config (a copy of `asc`), core sample rate, channels,
// codecs string.
AudioTrackConfig aac_audio_config(std::span<const std::uint8_t> asc);

}  // namespace tidecast::media

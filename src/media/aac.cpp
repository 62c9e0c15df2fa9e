#include "media/aac.hpp"

#include <string>

#include "media/bit_reader.hpp"

namespace tidecast::media {
namespace {

constexpr int kSamplingFrequencies[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                          22050, 16000, 12000, 11025, 8000,  7350};

int read_object_type(BitReader& reader) {
  const int type = static_cast<int>(reader.bits(5));
  return type == 31 ? 32 + static_cast<int>(reader.bits(6)) : type;
}

int read_sampling_frequency(BitReader& reader) {
  const std::uint32_t index = reader.bits(4);
  if (index == 15) {
    const std::uint32_t explicit_rate = reader.bits(24);
    if (explicit_rate == 0) reader.fail("zero sampling frequency");
    return static_cast<int>(explicit_rate);
  }
  if (index >= 13) reader.fail("reserved sampling frequency index " + std::to_string(index));
  return kSamplingFrequencies[index];
}

int channels_for(int configuration) {
  switch (configuration) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return configuration;
    case 7:
    case 12:
    case 14:
      return 8;
    case 11:
      return 7;
    case 13:
      return 24;
    default:
      return 0;  // 0: program_config_element; 8..10, 15: reserved
  }
}

// Object types that start with a GASpecificConfig (14496-3 1.6.2.1).
bool has_ga_specific_config(int type) {
  switch (type) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 17:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
      return true;
    default:
      return false;
  }
}

}  // namespace

AacConfig parse_audio_specific_config(std::span<const std::uint8_t> asc) {
  BitReader reader(asc, "AudioSpecificConfig");
  AacConfig config;
  config.object_type = read_object_type(reader);
  if (config.object_type == 0) reader.fail("null object type");
  config.sample_rate = read_sampling_frequency(reader);
  config.channel_configuration = static_cast<int>(reader.bits(4));
  config.channels = channels_for(config.channel_configuration);
  config.core_object_type = config.object_type;
  if (config.object_type == 5 || config.object_type == 29) {
    config.extension_sample_rate = read_sampling_frequency(reader);
    config.core_object_type = read_object_type(reader);
    if (config.core_object_type == 22) reader.skip(4);  // extensionChannelConfiguration
  }
  if (has_ga_specific_config(config.core_object_type)) {
    const bool short_frames = reader.flag();  // frameLengthFlag
    if (config.core_object_type == 23) {
      config.frame_length = short_frames ? 480 : 512;  // ER AAC LD
    } else {
      config.frame_length = short_frames ? 960 : 1024;
    }
  }
  return config;
}

std::string aac_codecs_string(const AacConfig& config) {
  return "mp4a.40." + std::to_string(config.object_type);
}

AudioTrackConfig aac_audio_config(std::span<const std::uint8_t> asc) {
  const AacConfig config = parse_audio_specific_config(asc);
  AudioTrackConfig track;
  track.codec = Codec::aac;
  track.decoder_config.assign(asc.begin(), asc.end());
  track.sample_rate = config.sample_rate;
  track.channels = config.channels;
  track.codecs = aac_codecs_string(config);
  return track;
}

}  // namespace tidecast::media

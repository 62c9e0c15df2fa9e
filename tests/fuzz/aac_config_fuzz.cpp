// libFuzzer target for the AAC AudioSpecificConfig parser and the track
// config built from it. Oracle: only std::invalid_argument is thrown; a
// parsed config has a known sample rate and a sane channel count.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "fuzz_check.hpp"
#include "media/aac.hpp"

using tidecast::fuzz::check;
namespace media = tidecast::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  try {
    const media::AacConfig config = media::parse_audio_specific_config(in);
    check(config.sample_rate > 0 && config.sample_rate <= 0xFFFFFF);
    check(config.channels >= 0 && config.channels <= 24);
    check(config.frame_length > 0);
    check(config.output_sample_rate() > 0);
    (void)media::aac_codecs_string(config);
    const media::AudioTrackConfig track = media::aac_audio_config(in);
    check(track.sample_rate == config.sample_rate);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

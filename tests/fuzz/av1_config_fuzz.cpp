// libFuzzer target for the AV1CodecConfigurationRecord (av1C), the sequence
// header OBU parser, the OBU walk that finds it, and the codecs string.
// Oracle: only std::invalid_argument is thrown.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "fuzz_check.hpp"
#include "media/av1.hpp"

using tidecast::fuzz::check;
namespace media = tidecast::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  try {
    const media::Av1Config config = media::parse_av1c(in);
    check(config.bit_depth() == 8 || config.bit_depth() == 10 || config.bit_depth() == 12);
    (void)media::av1_codecs_string(config);
    const media::VideoTrackConfig track = media::av1_video_config(in);
    check(track.width >= 0 && track.height >= 0);
  } catch (const std::invalid_argument&) {
  }
  try {
    const media::Av1SequenceHeader header = media::parse_av1_sequence_header(in);
    check(header.max_frame_width > 0 && header.max_frame_height > 0);
  } catch (const std::invalid_argument&) {
  }
  try {
    (void)media::find_av1_sequence_header(in);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

// libFuzzer target for the HEVCDecoderConfigurationRecord (hvcC), the SPS
// parser behind it, the codecs string and the IRAP scan.
// Oracle: only std::invalid_argument is thrown; parsed values are in range.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "fuzz_check.hpp"
#include "media/hevc.hpp"

using tidecast::fuzz::check;
namespace media = tidecast::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  try {
    const media::HevcConfig config = media::parse_hvcc(in);
    check(config.nal_length_size == 1 || config.nal_length_size == 2 || config.nal_length_size == 4);
    check(config.general_profile_space >= 0 && config.general_profile_space <= 3);
    (void)media::hevc_codecs_string(config);
    (void)config.first_nalu(33);
    const media::VideoTrackConfig track = media::hevc_video_config(in);
    check(track.width >= 0 && track.height >= 0);
  } catch (const std::invalid_argument&) {
  }
  try {
    const media::HevcSps sps = media::parse_hevc_sps(in);
    check(sps.width >= 0 && sps.height >= 0 && sps.width <= sps.coded_width && sps.height <= sps.coded_height);
  } catch (const std::invalid_argument&) {
  }
  for (int n = 0; n <= 5; ++n) (void)media::hevc_is_irap(in, n);
  return 0;
}

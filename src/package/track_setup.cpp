#include "package/track_setup.hpp"

#include <stdexcept>

#include "media/av1.hpp"
#include "media/avc.hpp"
#include "media/hevc.hpp"

namespace tidecast::package {

media::VideoTrackConfig complete_video_config(const media::VideoTrackConfig& in) {
  media::VideoTrackConfig parsed;
  switch (in.codec) {
    case media::Codec::h264:
      parsed = media::avc_video_config(in.decoder_config);
      break;
    case media::Codec::hevc:
      parsed = media::hevc_video_config(in.decoder_config);
      break;
    case media::Codec::av1:
      parsed = media::av1_video_config(in.decoder_config);
      break;
    case media::Codec::aac:
      throw std::invalid_argument("segmenter: aac is not a video codec");
  }
  media::VideoTrackConfig out = in;
  // The parameter sets are the truth; FLV metadata may be stale.
  if (parsed.width > 0 && parsed.height > 0) {
    out.width = parsed.width;
    out.height = parsed.height;
  }
  out.codecs = parsed.codecs;
  if (out.frame_rate <= 0) out.frame_rate = parsed.frame_rate;
  // Packets carry 4-byte NAL unit lengths (media::Packet contract); declare that.
  if (in.codec == media::Codec::h264 && media::parse_avcc(in.decoder_config).nal_length_size != 4) {
    out.decoder_config[4] |= 0x03;
  } else if (in.codec == media::Codec::hevc && media::parse_hvcc(in.decoder_config).nal_length_size != 4) {
    out.decoder_config[21] |= 0x03;
  }
  return out;
}

}  // namespace tidecast::package

// libFuzzer target for an FLV video tag as RTMP delivers it (legacy and
// Enhanced RTMP headers) and, for an AVC sequence header, the
// AVCDecoderConfigurationRecord (avcC) and the SPS inside it; for AVC frames
// the IDR scan over length-prefixed NAL units.
// Oracles: only ProtocolError (tag) and std::invalid_argument (avcC/SPS) are
// thrown; the tag body lies inside the payload; sizes are sane.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "fuzz_check.hpp"
#include "media/avc.hpp"
#include "rtmp/flv.hpp"
#include "rtmp/protocol_error.hpp"

using tidecast::fuzz::check;

namespace {

void inspect_avcc(std::span<const std::uint8_t> avcc) {
  try {
    const auto config = tidecast::media::parse_avcc(avcc);
    check(config.nal_length_size == 1 || config.nal_length_size == 2 || config.nal_length_size == 4);
    check(!config.sps.empty());
    (void)tidecast::media::avc_codecs_string(config);
    const auto track = tidecast::media::avc_video_config(avcc);
    check(track.width >= 0 && track.height >= 0);
  } catch (const std::invalid_argument&) {
  }
  try {
    (void)tidecast::media::parse_avc_sps(avcc);  // the body as a bare SPS NAL unit too
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> payload(data, size);
  tidecast::rtmp::VideoTag tag;
  try {
    tag = tidecast::rtmp::parse_video_tag(payload);
  } catch (const tidecast::rtmp::ProtocolError&) {
    return 0;
  }
  check(tag.body.empty() || (tag.body.data() >= data && tag.body.data() + tag.body.size() <= data + size));
  (void)tidecast::rtmp::video_codec_label(tag);
  if (tag.codec == tidecast::rtmp::FlvCodec::h264) {
    if (tag.kind == tidecast::rtmp::TagKind::sequence_header) {
      inspect_avcc(tag.body);
    } else if (tag.kind == tidecast::rtmp::TagKind::frame) {
      for (int n = 0; n <= 5; ++n) (void)tidecast::media::avc_is_idr(tag.body, n);
    }
  }
  return 0;
}

#include "media/packet.hpp"

namespace tidecast::media {

const char* codec_name(Codec codec) {
  switch (codec) {
    case Codec::h264:
      return "h264";
    case Codec::hevc:
      return "hevc";
    case Codec::av1:
      return "av1";
    case Codec::aac:
      return "aac";
  }
  return "unknown";
}

}  // namespace tidecast::media

#include "rtmp/flv.hpp"

#include <cstdio>

#include "rtmp/byte_io.hpp"
#include "rtmp/protocol_error.hpp"

namespace tidecast::rtmp {
namespace {

namespace codec_id {
constexpr std::uint8_t avc = 7;
constexpr std::uint8_t hevc = 12;  // widespread extension, not in the Adobe spec
}  // namespace codec_id

namespace frame_type {
constexpr std::uint8_t key = 1;
constexpr std::uint8_t generated_key = 4;
constexpr std::uint8_t command = 5;
}  // namespace frame_type

namespace video_packet {
constexpr std::uint8_t sequence_start = 0;
constexpr std::uint8_t coded_frames = 1;
constexpr std::uint8_t sequence_end = 2;
constexpr std::uint8_t coded_frames_x = 3;
constexpr std::uint8_t metadata = 4;
constexpr std::uint8_t multitrack = 6;
constexpr std::uint8_t mod_ex = 7;
}  // namespace video_packet

namespace sound_format {
constexpr std::uint8_t ex_header = 9;
constexpr std::uint8_t aac = 10;
}  // namespace sound_format

namespace audio_packet {
constexpr std::uint8_t sequence_start = 0;
constexpr std::uint8_t coded_frames = 1;
constexpr std::uint8_t sequence_end = 2;
constexpr std::uint8_t multitrack = 5;
constexpr std::uint8_t mod_ex = 7;
}  // namespace audio_packet

void require(std::span<const std::uint8_t> payload, std::size_t size, const char* part, const char* what) {
  if (payload.size() < size) {
    throw ProtocolError(std::string(part) + ": " + what + " tag of " + std::to_string(payload.size()) +
                        " bytes (header needs " + std::to_string(size) + ")");
  }
}

FlvCodec video_codec_from_fourcc(std::uint32_t code) {
  if (code == fourcc("avc1")) return FlvCodec::h264;
  if (code == fourcc("hvc1")) return FlvCodec::hevc;
  if (code == fourcc("av01")) return FlvCodec::av1;
  return FlvCodec::unsupported;
}

VideoTag parse_legacy_video(std::span<const std::uint8_t> payload, VideoTag tag) {
  const std::uint8_t id = payload[0] & 0x0F;
  tag.fourcc_or_codec_id = id;
  if (id != codec_id::avc && id != codec_id::hevc) {
    tag.kind = TagKind::frame;
    tag.body = payload.subspan(1);
    return tag;
  }
  tag.codec = id == codec_id::avc ? FlvCodec::h264 : FlvCodec::hevc;
  require(payload, 2, "flv video", "AVC/HEVC");
  tag.packet_type = payload[1];
  if (tag.packet_type == 2) {  // end of sequence: some encoders omit the composition time
    tag.kind = TagKind::end_of_sequence;
    return tag;
  }
  require(payload, 5, "flv video", "AVC/HEVC");
  tag.composition_time_ms = bytes::signed24(payload.data() + 2);
  tag.body = payload.subspan(5);
  if (tag.packet_type == 0) {
    tag.kind = TagKind::sequence_header;
  } else if (tag.packet_type == 1) {
    tag.kind = TagKind::frame;
  } else {
    tag.body = {};
  }
  return tag;
}

VideoTag parse_enhanced_video(std::span<const std::uint8_t> payload, VideoTag tag) {
  tag.enhanced = true;
  tag.packet_type = payload[0] & 0x0F;
  // Multitrack and ModEx put more header before (or instead of) the FourCC.
  if (tag.packet_type == video_packet::multitrack || tag.packet_type == video_packet::mod_ex) return tag;
  require(payload, 5, "flv video", "enhanced");
  tag.fourcc_or_codec_id = bytes::be32(payload.data() + 1);
  tag.codec = video_codec_from_fourcc(tag.fourcc_or_codec_id);
  if (tag.packet_type == video_packet::metadata || tag.frame_type == frame_type::command) return tag;
  tag.body = payload.subspan(5);
  switch (tag.packet_type) {
    case video_packet::sequence_start:
      tag.kind = TagKind::sequence_header;
      break;
    case video_packet::coded_frames:
      tag.kind = TagKind::frame;
      if (tag.codec == FlvCodec::h264 || tag.codec == FlvCodec::hevc) {
        require(payload, 8, "flv video", "enhanced coded frames");
        tag.composition_time_ms = bytes::signed24(payload.data() + 5);
        tag.body = payload.subspan(8);
      }
      break;
    case video_packet::coded_frames_x:
      tag.kind = TagKind::frame;
      break;
    case video_packet::sequence_end:
      tag.kind = TagKind::end_of_sequence;
      tag.body = {};
      break;
    default:
      tag.body = {};
      break;  // MPEG2TSSequenceStart, reserved
  }
  return tag;
}

std::string fourcc_label(std::uint32_t code) {
  std::string out = "'";
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto c = static_cast<char>((code >> shift) & 0xFF);
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(static_cast<std::uint8_t>(c)));
      out += hex;
    }
  }
  return out + "'";
}

const char* legacy_video_name(std::uint32_t id) {
  switch (id) {
    case 2:
      return "Sorenson H.263";
    case 3:
      return "Screen video";
    case 4:
      return "On2 VP6";
    case 5:
      return "On2 VP6 with alpha";
    case 6:
      return "Screen video v2";
    case 7:
      return "AVC";
    case 12:
      return "HEVC";
    default:
      return "unknown";
  }
}

const char* sound_format_name(std::uint32_t format) {
  switch (format) {
    case 0:
      return "Linear PCM";
    case 1:
      return "ADPCM";
    case 2:
      return "MP3";
    case 3:
      return "Linear PCM little endian";
    case 4:
      return "Nellymoser 16 kHz";
    case 5:
      return "Nellymoser 8 kHz";
    case 6:
      return "Nellymoser";
    case 7:
      return "G.711 A-law";
    case 8:
      return "G.711 mu-law";
    case 10:
      return "AAC";
    case 11:
      return "Speex";
    case 14:
      return "MP3 8 kHz";
    case 15:
      return "device-specific";
    default:
      return "reserved";
  }
}

}  // namespace

const char* codec_name(FlvCodec codec) {
  switch (codec) {
    case FlvCodec::h264:
      return "h264";
    case FlvCodec::hevc:
      return "hevc";
    case FlvCodec::av1:
      return "av1";
    case FlvCodec::aac:
      return "aac";
    case FlvCodec::unsupported:
      return "unsupported";
  }
  return "unsupported";
}

VideoTag parse_video_tag(std::span<const std::uint8_t> payload) {
  VideoTag tag;
  if (payload.empty()) return tag;
  const bool enhanced = (payload[0] & 0x80) != 0;
  tag.frame_type = static_cast<std::uint8_t>((payload[0] >> 4) & (enhanced ? 0x07 : 0x0F));
  tag.keyframe = tag.frame_type == frame_type::key || tag.frame_type == frame_type::generated_key;
  if (enhanced) return parse_enhanced_video(payload, tag);
  if (tag.frame_type == frame_type::command) {  // info/command frame: one UI8, no video
    tag.fourcc_or_codec_id = payload[0] & 0x0F;
    return tag;
  }
  return parse_legacy_video(payload, tag);
}

AudioTag parse_audio_tag(std::span<const std::uint8_t> payload) {
  AudioTag tag;
  if (payload.empty()) return tag;
  tag.sound_format = payload[0] >> 4;
  tag.fourcc_or_format = tag.sound_format;
  if (tag.sound_format == sound_format::aac) {
    require(payload, 2, "flv audio", "AAC");
    tag.codec = FlvCodec::aac;
    tag.packet_type = payload[1];
    if (tag.packet_type <= 1) {
      tag.kind = tag.packet_type == 0 ? TagKind::sequence_header : TagKind::frame;
      tag.body = payload.subspan(2);
    }
    return tag;
  }
  if (tag.sound_format != sound_format::ex_header) {
    tag.kind = TagKind::frame;
    tag.body = payload.subspan(1);
    return tag;
  }
  tag.enhanced = true;
  tag.packet_type = payload[0] & 0x0F;
  if (tag.packet_type == audio_packet::multitrack || tag.packet_type == audio_packet::mod_ex) return tag;
  require(payload, 5, "flv audio", "enhanced");
  tag.fourcc_or_format = bytes::be32(payload.data() + 1);
  if (tag.fourcc_or_format == fourcc("mp4a")) tag.codec = FlvCodec::aac;
  switch (tag.packet_type) {
    case audio_packet::sequence_start:
      tag.kind = TagKind::sequence_header;
      tag.body = payload.subspan(5);
      break;
    case audio_packet::coded_frames:
      tag.kind = TagKind::frame;
      tag.body = payload.subspan(5);
      break;
    case audio_packet::sequence_end:
      tag.kind = TagKind::end_of_sequence;
      break;
    default:
      break;  // multichannel config, reserved
  }
  return tag;
}

std::string video_codec_label(const VideoTag& tag) {
  if (tag.enhanced) return fourcc_label(tag.fourcc_or_codec_id);
  return std::to_string(tag.fourcc_or_codec_id) + " (" + legacy_video_name(tag.fourcc_or_codec_id) + ")";
}

std::string audio_codec_label(const AudioTag& tag) {
  if (tag.enhanced) return fourcc_label(tag.fourcc_or_format);
  return std::to_string(tag.fourcc_or_format) + " (" + sound_format_name(tag.fourcc_or_format) + ")";
}

}  // namespace tidecast::rtmp

#pragma once
// FLV tag bodies as RTMP carries them in audio (type 8) and video (type 9)
// messages: the legacy AVC/AAC layouts of the FLV 10.1 spec (plus the common
// CodecID 12 = HEVC extension) and the FourCC layouts of Enhanced RTMP
// (veovera, v1 video; v2 ExHeader audio with 'mp4a').
//
// A session handles a tag like this:
//   const VideoTag tag = parse_video_tag(message.payload);
//   if (tag.kind == TagKind::ignored) return;            // info frames, metadata, empty tags
//   if (tag.codec == FlvCodec::unsupported) log("video codec {} not supported", video_codec_label(tag));
// body points into the parsed payload: copy it before the payload goes away.
#include <cstdint>
#include <span>
#include <string>

namespace tidecast::rtmp {

enum class FlvCodec { h264, hevc, av1, aac, unsupported };
enum class TagKind {
  sequence_header,  // body = decoder configuration (avcC, hvcC, av1C, AudioSpecificConfig)
  frame,            // body = coded data (length-prefixed NALUs, OBUs, raw AAC frame)
  end_of_sequence,  // body empty
  ignored,          // nothing for the media path: command/info frames, metadata, empty tags, ...
};

const char* codec_name(FlvCodec codec);

// A FourCC as a big-endian integer: fourcc("hvc1") == 0x68766331.
constexpr std::uint32_t fourcc(const char (&s)[5]) {
  return (std::uint32_t{static_cast<std::uint8_t>(s[0])} << 24) |
         (std::uint32_t{static_cast<std::uint8_t>(s[1])} << 16) |
         (std::uint32_t{static_cast<std::uint8_t>(s[2])} << 8) | std::uint32_t{static_cast<std::uint8_t>(s[3])};
}

struct VideoTag {
  TagKind kind = TagKind::ignored;
  FlvCodec codec = FlvCodec::unsupported;
  bool enhanced = false;  // FourCC (Enhanced RTMP) header
  bool keyframe = false;  // frame type 1 (or 4, generated key frame)
  std::uint8_t frame_type = 0;
  std::uint8_t packet_type = 0;          // AVCPacketType, or the enhanced PacketType
  std::int32_t composition_time_ms = 0;  // pts - dts
  std::span<const std::uint8_t> body;
  std::uint32_t fourcc_or_codec_id = 0;  // legacy CodecID, or the FourCC when enhanced
};

struct AudioTag {
  TagKind kind = TagKind::ignored;
  FlvCodec codec = FlvCodec::unsupported;
  bool enhanced = false;          // SoundFormat 9 (ExHeader) with a FourCC
  std::uint8_t sound_format = 0;  // the high nibble of the first byte
  std::uint8_t packet_type = 0;   // AACPacketType, or the enhanced AudioPacketType
  std::span<const std::uint8_t> body;
  std::uint32_t fourcc_or_format = 0;  // SoundFormat, or the FourCC when enhanced
};

// Throw ProtocolError ("flv video: ...", "flv audio: ...") only for tags too
// short for the header their first byte announces.
VideoTag parse_video_tag(std::span<const std::uint8_t> payload);
AudioTag parse_audio_tag(std::span<const std::uint8_t> payload);

// For logs: "7 (AVC)", "2 (Sorenson H.263)", "'vp09'", "2 (MP3)", "'Opus'".
std::string video_codec_label(const VideoTag& tag);
std::string audio_codec_label(const AudioTag& tag);

}  // namespace tidecast::rtmp

#pragma once
// Compressed media as it flows from ingest (RTMP) through the stream hub to
// the segmenter and transcoder. Packets are immutable once published and
// shared between readers (std::shared_ptr<const Packet>).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tidecast::media {

enum class TrackKind { video, audio };
enum class Codec { h264, hevc, av1, aac };

const char* codec_name(Codec codec);

struct VideoTrackConfig {
  Codec codec = Codec::h264;
  // The ISO BMFF decoder configuration record, exactly as it goes into the
  // sample entry: avcC (h264), hvcC (hevc) or av1C (av1).
  std::vector<std::uint8_t> decoder_config;
  int width = 0;
  int height = 0;
  std::string codecs;     // RFC 6381 string from the real config, e.g. "avc1.64001f"
  double frame_rate = 0;  // from metadata when known, else 0
};

struct AudioTrackConfig {
  Codec codec = Codec::aac;
  std::vector<std::uint8_t> decoder_config;  // AudioSpecificConfig
  int sample_rate = 0;
  int channels = 0;
  std::string codecs;  // e.g. "mp4a.40.2"
};

// What a stream carries. Either track may be absent (audio-only, video-only).
struct StreamInfo {
  std::optional<VideoTrackConfig> video;
  std::optional<AudioTrackConfig> audio;
};

struct Packet {
  TrackKind kind = TrackKind::video;
  // Timestamps in `timescale` ticks per second (RTMP ingest uses 1000).
  std::int64_t dts = 0;
  std::int64_t pts = 0;
  std::uint32_t timescale = 1000;
  bool keyframe = false;  // video: an IDR / random access point; audio: always true
  // Video: length-prefixed NAL units (4-byte big-endian lengths) for h264/hevc,
  // OBUs for av1. Audio: one raw AAC frame (no ADTS header).
  std::vector<std::uint8_t> data;
};

using PacketPtr = std::shared_ptr<const Packet>;

}  // namespace tidecast::media

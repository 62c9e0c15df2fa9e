#pragma once
// Test helper: a minimal FLV file reader (H.264 + AAC only), standing in for
// the RTMP ingest: FLV tags carry exactly what RTMP messages carry.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/aac.hpp"
#include "media/avc.hpp"
#include "media/packet.hpp"

namespace tidecast::test {

struct FlvContents {
  media::StreamInfo info;
  std::vector<media::Packet> packets;  // in file order, ms timestamps
};

inline FlvContents read_flv(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (data.size() < 13 || data[0] != 'F' || data[1] != 'L' || data[2] != 'V')
    throw std::runtime_error("not an FLV file");
  const auto u24 = [&](std::size_t at) {
    return (std::uint32_t{data[at]} << 16) | (std::uint32_t{data[at + 1]} << 8) | data[at + 2];
  };
  FlvContents out;
  std::size_t position =
      (std::uint32_t{data[5]} << 24 | std::uint32_t{data[6]} << 16 | std::uint32_t{data[7]} << 8 | data[8]) + 4;
  while (position + 11 <= data.size()) {
    const int type = data[position] & 0x1f;
    const std::uint32_t size = u24(position + 1);
    const std::int64_t timestamp =
        static_cast<std::int64_t>(u24(position + 4) | (std::uint32_t{data[position + 7]} << 24));
    const std::size_t body = position + 11;
    if (body + size > data.size()) break;
    position = body + size + 4;  // + PreviousTagSize
    if (size < 2) continue;
    if (type == 9 && (data[body] & 0x0f) == 7 && size >= 5) {  // AVC video
      const bool key = (data[body] >> 4) == 1;
      const int packet_type = data[body + 1];
      std::int32_t cts = static_cast<std::int32_t>(u24(body + 2));
      if (cts & 0x800000) cts -= 0x1000000;
      const std::vector<std::uint8_t> payload(data.begin() + static_cast<std::ptrdiff_t>(body + 5),
                                              data.begin() + static_cast<std::ptrdiff_t>(body + size));
      if (packet_type == 0) {
        out.info.video = media::avc_video_config(payload);
      } else if (packet_type == 1) {
        media::Packet packet;
        packet.kind = media::TrackKind::video;
        packet.dts = timestamp;
        packet.pts = timestamp + cts;
        packet.keyframe = key;
        packet.data = payload;
        out.packets.push_back(std::move(packet));
      }
    } else if (type == 8 && (data[body] >> 4) == 10) {  // AAC audio
      const std::vector<std::uint8_t> payload(data.begin() + static_cast<std::ptrdiff_t>(body + 2),
                                              data.begin() + static_cast<std::ptrdiff_t>(body + size));
      if (data[body + 1] == 0) {
        out.info.audio = media::aac_audio_config(payload);
      } else {
        media::Packet packet;
        packet.kind = media::TrackKind::audio;
        packet.dts = packet.pts = timestamp;
        packet.keyframe = true;
        packet.data = payload;
        out.packets.push_back(std::move(packet));
      }
    }
  }
  return out;
}

}  // namespace tidecast::test

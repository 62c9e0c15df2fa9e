#pragma once
// An RTMP message as the chunk layer delivers it (RTMP 1.0 section 6):
// reassembled from chunks, timestamps already accumulated from deltas.
#include <cstdint>
#include <vector>

namespace tidecast::rtmp {

struct Message {
  std::uint8_t type_id = 0;
  std::uint32_t timestamp = 0;  // milliseconds, wraps at 2^32
  std::uint32_t stream_id = 0;  // message stream id (0 = the NetConnection)
  std::uint32_t chunk_stream_id = 0;
  std::vector<std::uint8_t> payload;
};

// Message type ids (RTMP 1.0 sections 5.4, 6.2 and 7.1).
namespace message_type {
inline constexpr std::uint8_t set_chunk_size = 1;
inline constexpr std::uint8_t abort = 2;
inline constexpr std::uint8_t acknowledgement = 3;
inline constexpr std::uint8_t user_control = 4;
inline constexpr std::uint8_t window_ack_size = 5;
inline constexpr std::uint8_t set_peer_bandwidth = 6;
inline constexpr std::uint8_t audio = 8;
inline constexpr std::uint8_t video = 9;
inline constexpr std::uint8_t data_amf3 = 15;
inline constexpr std::uint8_t shared_object_amf3 = 16;
inline constexpr std::uint8_t command_amf3 = 17;
inline constexpr std::uint8_t data_amf0 = 18;
inline constexpr std::uint8_t shared_object_amf0 = 19;
inline constexpr std::uint8_t command_amf0 = 20;
inline constexpr std::uint8_t aggregate = 22;
}  // namespace message_type

// User control message event types (RTMP 1.0 section 7.1.7).
namespace user_control_event {
inline constexpr std::uint16_t stream_begin = 0;
inline constexpr std::uint16_t stream_eof = 1;
inline constexpr std::uint16_t stream_dry = 2;
inline constexpr std::uint16_t set_buffer_length = 3;
inline constexpr std::uint16_t stream_is_recorded = 4;
inline constexpr std::uint16_t ping_request = 6;
inline constexpr std::uint16_t ping_response = 7;
}  // namespace user_control_event

// Chunk stream ids this server writes on. 2 is reserved by the spec for
// protocol control messages; the rest is convention.
namespace chunk_stream {
inline constexpr std::uint32_t control = 2;
inline constexpr std::uint32_t command = 3;
inline constexpr std::uint32_t audio = 4;
inline constexpr std::uint32_t data = 5;
inline constexpr std::uint32_t video = 6;
inline constexpr std::uint32_t min_id = 2;
inline constexpr std::uint32_t max_id = 65599;
}  // namespace chunk_stream

// A short name for logs: "video", "command_amf0", ... or "unknown".
inline const char* message_type_name(std::uint8_t type_id) {
  switch (type_id) {
    case message_type::set_chunk_size:
      return "set_chunk_size";
    case message_type::abort:
      return "abort";
    case message_type::acknowledgement:
      return "acknowledgement";
    case message_type::user_control:
      return "user_control";
    case message_type::window_ack_size:
      return "window_ack_size";
    case message_type::set_peer_bandwidth:
      return "set_peer_bandwidth";
    case message_type::audio:
      return "audio";
    case message_type::video:
      return "video";
    case message_type::data_amf3:
      return "data_amf3";
    case message_type::shared_object_amf3:
      return "shared_object_amf3";
    case message_type::command_amf3:
      return "command_amf3";
    case message_type::data_amf0:
      return "data_amf0";
    case message_type::shared_object_amf0:
      return "shared_object_amf0";
    case message_type::command_amf0:
      return "command_amf0";
    case message_type::aggregate:
      return "aggregate";
    default:
      return "unknown";
  }
}

}  // namespace tidecast::rtmp

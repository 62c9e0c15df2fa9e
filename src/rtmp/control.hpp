#pragma once
// Builders for the messages a server sends (protocol control, user control,
// commands, data) and parsers for the small fixed-layout ones it receives.
// Builders put control messages on chunk stream 2 / message stream 0 as the
// spec requires, commands on chunk stream 3, data on chunk stream 5.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtmp/amf0.hpp"
#include "rtmp/message.hpp"

namespace tidecast::rtmp {

// Set Peer Bandwidth limit types (section 5.4.5).
namespace peer_bandwidth_limit {
inline constexpr std::uint8_t hard = 0;
inline constexpr std::uint8_t soft = 1;
inline constexpr std::uint8_t dynamic = 2;
}  // namespace peer_bandwidth_limit

Message set_chunk_size(std::uint32_t size);
Message abort_message(std::uint32_t chunk_stream_id);
Message acknowledgement(std::uint32_t sequence_number);
Message window_ack_size(std::uint32_t window);
Message set_peer_bandwidth(std::uint32_t window, std::uint8_t limit_type);

// User control: a 16-bit event type and a 32-bit value (stream id or timestamp).
Message user_control(std::uint16_t event, std::uint32_t value);
Message stream_begin(std::uint32_t stream_id);
Message stream_eof(std::uint32_t stream_id);
Message ping_request(std::uint32_t timestamp);
Message ping_response(std::uint32_t timestamp);

// AMF0 command (type 20) on chunk stream 3 and AMF0 data (type 18) on chunk stream 5.
Message command(std::uint32_t stream_id, const std::vector<AmfValue>& values);
Message data(std::uint32_t stream_id, const std::vector<AmfValue>& values, std::uint32_t timestamp = 0);

struct UserControl {
  std::uint16_t type = 0;                         // user_control_event::*
  std::uint32_t value = 0;                        // stream id, or the timestamp of a ping
  std::optional<std::uint32_t> buffer_length_ms;  // SetBufferLength only
};
// Throws ProtocolError for a payload shorter than its event needs.
UserControl parse_user_control(const Message& message);

// The 32-bit big-endian value of Acknowledgement, Window Ack Size, Set Chunk
// Size and Abort messages. Throws ProtocolError when the payload is shorter.
std::uint32_t parse_u32_control(const Message& message);

struct PeerBandwidth {
  std::uint32_t window = 0;
  std::uint8_t limit_type = 0;
};
PeerBandwidth parse_set_peer_bandwidth(const Message& message);

// A command message split into its conventional parts:
// name, transaction id, command object (null if absent) and the other arguments.
struct Command {
  std::string name;
  double transaction_id = 0;
  AmfValue command_object;
  std::vector<AmfValue> arguments;
};
// Decodes type 20, and type 17 (AMF3 command, which starts with a 0x00 format
// byte followed by AMF0 values). Throws ProtocolError when the payload does not
// decode or does not start with a string name.
Command parse_command(const Message& message);
// The AMF0 values of a data message (type 18, or 15 with its 0x00 format byte).
std::vector<AmfValue> parse_data(const Message& message);

}  // namespace tidecast::rtmp

#include "rtmp/control.hpp"

#include <span>
#include <string>

#include "rtmp/byte_io.hpp"
#include "rtmp/protocol_error.hpp"

namespace tidecast::rtmp {
namespace {

Message control_message(std::uint8_t type_id, std::vector<std::uint8_t> payload) {
  return Message{.type_id = type_id,
                 .timestamp = 0,
                 .stream_id = 0,
                 .chunk_stream_id = chunk_stream::control,
                 .payload = std::move(payload)};
}

Message u32_message(std::uint8_t type_id, std::uint32_t value) {
  std::vector<std::uint8_t> payload;
  bytes::put_be32(payload, value);
  return control_message(type_id, std::move(payload));
}

void require_size(const Message& message, std::size_t size) {
  if (message.payload.size() < size) {
    throw ProtocolError(std::string("rtmp control: ") + message_type_name(message.type_id) + " message of " +
                        std::to_string(message.payload.size()) + " bytes (need " + std::to_string(size) + ")");
  }
}

// AMF3 command/data messages carry AMF0 values after a leading format byte of 0.
std::span<const std::uint8_t> amf0_body(const Message& message, std::uint8_t amf3_type) {
  std::span<const std::uint8_t> body = message.payload;
  if (message.type_id == amf3_type) {
    if (body.empty() || body[0] != 0) {
      throw ProtocolError(std::string("rtmp control: ") + message_type_name(message.type_id) +
                          " message without the AMF0 format byte");
    }
    body = body.subspan(1);
  }
  return body;
}

}  // namespace

Message set_chunk_size(std::uint32_t size) {
  return u32_message(message_type::set_chunk_size, size & 0x7FFFFFFF);
}
Message abort_message(std::uint32_t chunk_stream_id) {
  return u32_message(message_type::abort, chunk_stream_id);
}
Message acknowledgement(std::uint32_t sequence_number) {
  return u32_message(message_type::acknowledgement, sequence_number);
}
Message window_ack_size(std::uint32_t window) {
  return u32_message(message_type::window_ack_size, window);
}

Message set_peer_bandwidth(std::uint32_t window, std::uint8_t limit_type) {
  std::vector<std::uint8_t> payload;
  bytes::put_be32(payload, window);
  payload.push_back(limit_type);
  return control_message(message_type::set_peer_bandwidth, std::move(payload));
}

Message user_control(std::uint16_t event, std::uint32_t value) {
  std::vector<std::uint8_t> payload;
  bytes::put_be16(payload, event);
  bytes::put_be32(payload, value);
  return control_message(message_type::user_control, std::move(payload));
}

Message stream_begin(std::uint32_t stream_id) {
  return user_control(user_control_event::stream_begin, stream_id);
}
Message stream_eof(std::uint32_t stream_id) {
  return user_control(user_control_event::stream_eof, stream_id);
}
Message ping_request(std::uint32_t timestamp) {
  return user_control(user_control_event::ping_request, timestamp);
}
Message ping_response(std::uint32_t timestamp) {
  return user_control(user_control_event::ping_response, timestamp);
}

Message command(std::uint32_t stream_id, const std::vector<AmfValue>& values) {
  return Message{.type_id = message_type::command_amf0,
                 .timestamp = 0,
                 .stream_id = stream_id,
                 .chunk_stream_id = chunk_stream::command,
                 .payload = amf0_encode_all(values)};
}

Message data(std::uint32_t stream_id, const std::vector<AmfValue>& values, std::uint32_t timestamp) {
  return Message{.type_id = message_type::data_amf0,
                 .timestamp = timestamp,
                 .stream_id = stream_id,
                 .chunk_stream_id = chunk_stream::data,
                 .payload = amf0_encode_all(values)};
}

UserControl parse_user_control(const Message& message) {
  require_size(message, 6);
  UserControl out;
  out.type = bytes::be16(message.payload.data());
  out.value = bytes::be32(message.payload.data() + 2);
  if (out.type == user_control_event::set_buffer_length) {
    require_size(message, 10);
    out.buffer_length_ms = bytes::be32(message.payload.data() + 6);
  }
  return out;
}

std::uint32_t parse_u32_control(const Message& message) {
  require_size(message, 4);
  return bytes::be32(message.payload.data());
}

PeerBandwidth parse_set_peer_bandwidth(const Message& message) {
  require_size(message, 5);
  return PeerBandwidth{.window = bytes::be32(message.payload.data()), .limit_type = message.payload[4]};
}

Command parse_command(const Message& message) {
  std::vector<AmfValue> values = amf0_decode_all(amf0_body(message, message_type::command_amf3));
  if (values.empty() || !values[0].is_string()) {
    throw ProtocolError("rtmp control: command message does not start with a command name");
  }
  Command out;
  out.name = values[0].as_string();
  if (values.size() > 1 && values[1].is_number()) out.transaction_id = values[1].as_number();
  if (values.size() > 2) out.command_object = std::move(values[2]);
  for (std::size_t i = 3; i < values.size(); ++i) out.arguments.push_back(std::move(values[i]));
  return out;
}

std::vector<AmfValue> parse_data(const Message& message) {
  return amf0_decode_all(amf0_body(message, message_type::data_amf3));
}

}  // namespace tidecast::rtmp

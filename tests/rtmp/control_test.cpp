#include "rtmp/control.hpp"

#include <doctest/doctest.h>

#include "rtmp/protocol_error.hpp"
#include "rtmp/test_support.hpp"

namespace tidecast::rtmp {
namespace {
using test::Bytes;
}

TEST_CASE("control: protocol control builders") {
  const Message scs = set_chunk_size(4096);
  CHECK(scs.type_id == message_type::set_chunk_size);
  CHECK(scs.chunk_stream_id == 2);
  CHECK(scs.stream_id == 0);
  CHECK(scs.payload == Bytes{0x00, 0x00, 0x10, 0x00});
  CHECK(window_ack_size(2500000).payload == Bytes{0x00, 0x26, 0x25, 0xA0});
  CHECK(window_ack_size(1).type_id == message_type::window_ack_size);
  CHECK(acknowledgement(0x01020304).payload == Bytes{1, 2, 3, 4});
  CHECK(acknowledgement(0).type_id == message_type::acknowledgement);
  const Message bw = set_peer_bandwidth(2500000, peer_bandwidth_limit::dynamic);
  CHECK(bw.type_id == message_type::set_peer_bandwidth);
  CHECK(bw.payload == Bytes{0x00, 0x26, 0x25, 0xA0, 0x02});
  CHECK(parse_set_peer_bandwidth(bw).window == 2500000);
  CHECK(parse_set_peer_bandwidth(bw).limit_type == 2);
  CHECK(parse_u32_control(abort_message(6)) == 6);
}

TEST_CASE("control: user control events") {
  const Message begin = stream_begin(1);
  CHECK(begin.type_id == message_type::user_control);
  CHECK(begin.payload == Bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
  CHECK(user_control(user_control_event::stream_begin, 1).payload == begin.payload);
  CHECK(stream_eof(1).payload == Bytes{0x00, 0x01, 0x00, 0x00, 0x00, 0x01});
  const UserControl pong = parse_user_control(ping_response(123456));
  CHECK(pong.type == user_control_event::ping_response);
  CHECK(pong.value == 123456);
  CHECK(parse_user_control(ping_request(9)).type == user_control_event::ping_request);

  Message buffer = user_control(user_control_event::set_buffer_length, 1);
  CHECK_THROWS_AS(parse_user_control(buffer), ProtocolError);
  buffer.payload.insert(buffer.payload.end(), {0x00, 0x00, 0x0B, 0xB8});
  const UserControl parsed = parse_user_control(buffer);
  CHECK(parsed.value == 1);
  CHECK(parsed.buffer_length_ms == 3000);

  Message short_one;
  short_one.type_id = message_type::user_control;
  short_one.payload = {0x00, 0x06, 0x00};
  CHECK_THROWS_WITH_AS(parse_user_control(short_one), "rtmp control: user_control message of 3 bytes (need 6)",
                       ProtocolError);
  CHECK_THROWS_AS(parse_u32_control(short_one), ProtocolError);
}

TEST_CASE("control: commands and data") {
  const Message cmd = command(1, {"onStatus", 0, AmfValue::null(),
                                  AmfValue::object({{"level", "status"}, {"code", "NetStream.Publish.Start"}})});
  CHECK(cmd.type_id == message_type::command_amf0);
  CHECK(cmd.chunk_stream_id == 3);
  CHECK(cmd.stream_id == 1);
  const Command parsed = parse_command(cmd);
  CHECK(parsed.name == "onStatus");
  CHECK(parsed.transaction_id == 0);
  CHECK(parsed.command_object.is_null());
  REQUIRE(parsed.arguments.size() == 1);
  CHECK(parsed.arguments[0].string_or("code", "") == "NetStream.Publish.Start");

  // AMF3 command messages: a 0x00 format byte, then AMF0.
  Message amf3 = command(0, {"publish", 5, AmfValue::null(), "key", "live"});
  amf3.type_id = message_type::command_amf3;
  amf3.payload.insert(amf3.payload.begin(), 0x00);
  const Command publish = parse_command(amf3);
  CHECK(publish.name == "publish");
  CHECK(publish.transaction_id == 5);
  REQUIRE(publish.arguments.size() == 2);
  CHECK(publish.arguments[0].as_string() == "key");

  CHECK_THROWS_AS(parse_command(command(0, {1, 2})), ProtocolError);
  CHECK_THROWS_AS(parse_command(command(0, {})), ProtocolError);
  const Command bare = parse_command(command(0, {"deleteStream"}));
  CHECK(bare.name == "deleteStream");
  CHECK(bare.command_object.is_null());

  const Message meta = data(1, {"@setDataFrame", "onMetaData", AmfValue::ecma_array({{"width", 1280}})}, 40);
  CHECK(meta.type_id == message_type::data_amf0);
  CHECK(meta.timestamp == 40);
  const auto values = parse_data(meta);
  REQUIRE(values.size() == 3);
  CHECK(values[2].number_or("width", 0) == 1280);
  Message amf3_data = meta;
  amf3_data.type_id = message_type::data_amf3;
  CHECK_THROWS_AS(parse_data(amf3_data), ProtocolError);  // no format byte
}

TEST_CASE("control: message type names") {
  CHECK(std::string(message_type_name(message_type::video)) == "video");
  CHECK(std::string(message_type_name(200)) == "unknown");
}

}  // namespace tidecast::rtmp

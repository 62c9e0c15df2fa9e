// libFuzzer target for the pure RTMP codec: the chunk reader, AMF0, the
// command/data/user-control parsers, FLV tag parsing, and (when the first byte
// has its top bit set) the server handshake in front of the chunk stream.
//
// Input layout: byte 0 = flags (0x80: handshake first) and, with byte 1, the
// seed of the piece sizes the stream is fed in; the rest is the byte stream.
//
// Oracles besides the sanitizers: every decoded AMF0 value re-encodes to bytes
// that decode to the same encoding, and every message the reader returns,
// written again by ChunkWriter, reads back identical.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/amf0.hpp"
#include "rtmp/chunk_reader.hpp"
#include "rtmp/chunk_writer.hpp"
#include "rtmp/control.hpp"
#include "rtmp/flv.hpp"
#include "rtmp/handshake.hpp"
#include "rtmp/protocol_error.hpp"

namespace {

using namespace tidecast::rtmp;

constexpr std::size_t max_message_bytes = 64 * 1024;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_amf_round_trip(const std::vector<AmfValue>& values) {
  const std::vector<std::uint8_t> encoded = amf0_encode_all(values);
  const std::vector<AmfValue> again = amf0_decode_all(encoded);
  check(again.size() == values.size());
  check(amf0_encode_all(again) == encoded);
  for (const AmfValue& v : values) (void)amf0_to_string(v, 256);
}

void inspect(const Message& message) {
  try {
    switch (message.type_id) {
      case message_type::command_amf0:
      case message_type::command_amf3: {
        const Command command = parse_command(message);
        (void)command.command_object.get("app");
        check_amf_round_trip(command.arguments);
        break;
      }
      case message_type::data_amf0:
      case message_type::data_amf3:
        check_amf_round_trip(parse_data(message));
        break;
      case message_type::audio: {
        const AudioTag tag = parse_audio_tag(message.payload);
        check(tag.body.empty() ||
              (tag.body.data() >= message.payload.data() &&
               tag.body.data() + tag.body.size() <= message.payload.data() + message.payload.size()));
        (void)audio_codec_label(tag);
        break;
      }
      case message_type::video: {
        const VideoTag tag = parse_video_tag(message.payload);
        check(tag.body.empty() ||
              (tag.body.data() >= message.payload.data() &&
               tag.body.data() + tag.body.size() <= message.payload.data() + message.payload.size()));
        (void)video_codec_label(tag);
        break;
      }
      case message_type::user_control:
        (void)parse_user_control(message);
        break;
      case message_type::set_peer_bandwidth:
        (void)parse_set_peer_bandwidth(message);
        break;
      case message_type::window_ack_size:
      case message_type::acknowledgement:
        (void)parse_u32_control(message);
        break;
      default:
        break;
    }
  } catch (const ProtocolError&) {
    // Malformed message bodies are expected; only crashes and oracle failures count.
  }
}

void check_writer_round_trip(const std::vector<Message>& messages, std::uint32_t chunk_size) {
  ChunkWriter writer;
  writer.set_chunk_size(chunk_size);
  std::vector<std::uint8_t> wire;
  for (const Message& m : messages) writer.write(m, wire);
  ChunkReader reader(max_message_bytes);
  // The writer's chunk size must be announced to the reader; it has not seen a Set Chunk Size.
  std::vector<std::uint8_t> announce;
  ChunkWriter control_writer;
  control_writer.write(set_chunk_size(chunk_size), announce);
  reader.feed(announce);
  check(!reader.next().has_value());
  reader.feed(wire);
  for (const Message& expected : messages) {
    const auto got = reader.next();
    check(got.has_value());
    check(got->type_id == expected.type_id && got->timestamp == expected.timestamp &&
          got->stream_id == expected.stream_id && got->chunk_stream_id == expected.chunk_stream_id &&
          got->payload == expected.payload);
  }
  check(!reader.next().has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool handshake_first = (data[0] & 0x80) != 0;
  std::uint32_t rng = (std::uint32_t{data[0]} << 8 | data[1]) * 2654435761u + 1;
  auto next_piece = [&rng]() -> std::size_t {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    // Mostly small pieces (split headers), sometimes large ones.
    return (rng & 7) == 0 ? 1 + rng % 4096 : 1 + rng % 24;
  };
  std::span<const std::uint8_t> in(data + 2, size - 2);

  try {
    if (handshake_first) {
      HandshakeServer handshake;
      while (!handshake.done() && !in.empty()) {
        const std::size_t n = std::min(next_piece(), in.size());
        const std::size_t used = handshake.consume(in.first(n));
        check(used <= n);
        check(used == n || handshake.done());
        in = in.subspan(used);
        const auto out = handshake.take_output();
        check(out.empty() || out.size() == 1 + 2 * HandshakeServer::packet_size);
      }
      if (!handshake.done()) return 0;
    }

    ChunkReader reader(max_message_bytes);
    std::vector<Message> messages;
    std::size_t pos = 0;
    while (pos < in.size()) {
      const std::size_t n = std::min(next_piece(), in.size() - pos);
      reader.feed(in.subspan(pos, n));
      pos += n;
      while (auto message = reader.next()) {
        check(message->payload.size() <= max_message_bytes);
        inspect(*message);
        if (messages.size() < 256) messages.push_back(std::move(*message));
      }
      check(reader.buffered_bytes() <= 18);
    }
    check_writer_round_trip(messages, 1 + data[1] % 200);
  } catch (const ProtocolError&) {
    // Rejected input: the session would log and close.
  }
  return 0;
}

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "rtmp/chunk_reader.hpp"
#include "rtmp/chunk_writer.hpp"
#include "rtmp/control.hpp"
#include "rtmp/protocol_error.hpp"
#include "rtmp/test_support.hpp"

namespace tidecast::rtmp {
namespace {

using test::Bytes;

// Hand-built chunk streams, so the reader is tested against the spec rather
// than against our own writer.
struct Raw {
  Bytes bytes;

  Raw& basic(unsigned fmt, std::uint32_t csid) {
    const auto bits = static_cast<std::uint8_t>(fmt << 6);
    if (csid < 64) {
      bytes.push_back(static_cast<std::uint8_t>(bits | csid));
    } else if (csid < 320) {
      bytes.insert(bytes.end(), {bits, static_cast<std::uint8_t>(csid - 64)});
    } else {
      bytes.insert(bytes.end(), {static_cast<std::uint8_t>(bits | 1), static_cast<std::uint8_t>((csid - 64) & 0xFF),
                                 static_cast<std::uint8_t>((csid - 64) >> 8)});
    }
    return *this;
  }
  Raw& u24(std::uint32_t v) {
    bytes.insert(bytes.end(),
                 {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
    return *this;
  }
  Raw& u32(std::uint32_t v) {
    bytes.insert(bytes.end(), {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                               static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
    return *this;
  }
  Raw& u32le(std::uint32_t v) {
    bytes.insert(bytes.end(), {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                               static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)});
    return *this;
  }
  Raw& byte(std::uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  Raw& fmt0(std::uint32_t csid, std::uint32_t ts, std::uint32_t length, std::uint8_t type, std::uint32_t sid) {
    return basic(0, csid).u24(ts).u24(length).byte(type).u32le(sid);
  }
  Raw& fmt1(std::uint32_t csid, std::uint32_t delta, std::uint32_t length, std::uint8_t type) {
    return basic(1, csid).u24(delta).u24(length).byte(type);
  }
  Raw& fmt2(std::uint32_t csid, std::uint32_t delta) { return basic(2, csid).u24(delta); }
  Raw& fmt3(std::uint32_t csid) { return basic(3, csid); }
  Raw& data(std::size_t n, std::uint8_t fill) {
    bytes.insert(bytes.end(), n, fill);
    return *this;
  }
};

std::vector<Message> read_all(ChunkReader& reader, const Bytes& in) {
  reader.feed(in);
  std::vector<Message> out;
  while (auto m = reader.next()) out.push_back(std::move(*m));
  return out;
}

std::vector<Message> read_all(const Bytes& in, std::size_t max = 1 << 20) {
  ChunkReader reader(max);
  return read_all(reader, in);
}

std::vector<Message> read_in_pieces(const Bytes& in, std::mt19937& rng, std::size_t max_piece) {
  ChunkReader reader(1 << 24);
  std::vector<Message> out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t n = std::min<std::size_t>(in.size() - pos, 1 + rng() % max_piece);
    reader.feed(std::span(in).subspan(pos, n));
    pos += n;
    while (auto m = reader.next()) out.push_back(std::move(*m));
  }
  CHECK(reader.buffered_bytes() == 0);
  return out;
}

void check_same(const Message& a, const Message& b) {
  CHECK(a.type_id == b.type_id);
  CHECK(a.timestamp == b.timestamp);
  CHECK(a.stream_id == b.stream_id);
  CHECK(a.chunk_stream_id == b.chunk_stream_id);
  CHECK(a.payload == b.payload);
}

Message make_message(std::uint32_t csid, std::uint8_t type, std::uint32_t ts, std::uint32_t sid, std::size_t size,
                     std::mt19937& rng) {
  Message m{.type_id = type, .timestamp = ts, .stream_id = sid, .chunk_stream_id = csid, .payload = Bytes(size)};
  for (auto& b : m.payload) b = static_cast<std::uint8_t>(rng());
  return m;
}

}  // namespace

TEST_CASE("chunk reader: type 0 header, one chunk") {
  const Raw raw = Raw().fmt0(3, 1234, 5, message_type::command_amf0, 0x01020304).data(5, 0xAB);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].type_id == message_type::command_amf0);
  CHECK(messages[0].timestamp == 1234);
  CHECK(messages[0].stream_id == 0x01020304);  // little endian on the wire
  CHECK(messages[0].chunk_stream_id == 3);
  CHECK(messages[0].payload == Bytes(5, 0xAB));
}

TEST_CASE("chunk reader: one, two and three byte basic headers") {
  for (const std::uint32_t csid : {2u, 63u, 64u, 200u, 319u, 320u, 1000u, 65599u}) {
    CAPTURE(csid);
    const Raw raw = Raw().fmt0(csid, 7, 2, message_type::audio, 1).data(2, 1).fmt2(csid, 10).data(2, 2);
    const auto messages = read_all(raw.bytes);
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].chunk_stream_id == csid);
    CHECK(messages[1].chunk_stream_id == csid);
    CHECK(messages[1].timestamp == 17);
  }
}

TEST_CASE("chunk reader: spec example 1, deltas carried by type 2 and type 3 headers") {
  const Raw raw = Raw()
                      .fmt0(4, 1000, 32, message_type::audio, 12345)
                      .data(32, 1)
                      .fmt2(4, 20)
                      .data(32, 2)
                      .fmt3(4)
                      .data(32, 3)
                      .fmt3(4)
                      .data(32, 4);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(messages[i].timestamp == 1000 + 20 * i);
    CHECK(messages[i].stream_id == 12345);
    CHECK(messages[i].type_id == message_type::audio);
    CHECK(messages[i].payload == Bytes(32, static_cast<std::uint8_t>(i + 1)));
  }
}

TEST_CASE("chunk reader: type 1 changes length and type and keeps the stream id") {
  const Raw raw = Raw()
                      .fmt0(6, 100, 3, message_type::video, 1)
                      .data(3, 1)
                      .fmt1(6, 40, 5, message_type::audio)
                      .data(5, 2)
                      .fmt3(6)  // a new message with the same delta, length and type
                      .data(5, 3);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 3);
  CHECK(messages[1].timestamp == 140);
  CHECK(messages[1].type_id == message_type::audio);
  CHECK(messages[1].payload.size() == 5);
  CHECK(messages[1].stream_id == 1);
  CHECK(messages[2].timestamp == 180);
}

TEST_CASE("chunk reader: a type 3 header right after type 0 uses the type 0 timestamp as delta") {
  const Raw raw = Raw().fmt0(4, 1000, 1, message_type::audio, 1).data(1, 1).fmt3(4).data(1, 2);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 2);
  CHECK(messages[1].timestamp == 2000);
}

TEST_CASE("chunk reader: spec example 2, one message in several chunks") {
  const Raw raw =
      Raw().fmt0(4, 1000, 307, message_type::video, 12346).data(128, 1).fmt3(4).data(128, 2).fmt3(4).data(51, 3);
  ChunkReader reader(1 << 20);
  const auto messages = read_all(reader, raw.bytes);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].timestamp == 1000);
  CHECK(messages[0].payload.size() == 307);
  CHECK(messages[0].payload[127] == 1);
  CHECK(messages[0].payload[128] == 2);
  CHECK(messages[0].payload[306] == 3);
  CHECK(reader.bytes_received() == raw.bytes.size());
}

TEST_CASE("chunk reader: zero-length message") {
  const Raw raw = Raw().fmt0(5, 9, 0, message_type::data_amf0, 1).fmt0(5, 10, 1, message_type::data_amf0, 1).data(1, 7);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].payload.empty());
  CHECK(messages[1].payload == Bytes{7});
}

TEST_CASE("chunk reader: extended timestamp repeated in type 3 chunks") {
  const std::uint32_t ts = 0x01000000;
  const Raw raw = Raw()
                      .fmt0(6, 0xFFFFFF, 300, message_type::video, 1)
                      .u32(ts)
                      .data(128, 1)
                      .fmt3(6)
                      .u32(ts)
                      .data(128, 2)
                      .fmt3(6)
                      .u32(ts)
                      .data(44, 3)
                      // A new message in a type 3 chunk: the field (the delta) is required.
                      .fmt3(6)
                      .u32(ts)
                      .data(128, 4)
                      .fmt3(6)
                      .u32(ts)
                      .data(128, 5)
                      .fmt3(6)
                      .u32(ts)
                      .data(44, 6);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].timestamp == ts);
  CHECK(messages[0].payload.size() == 300);
  CHECK(messages[0].payload[128] == 2);
  CHECK(messages[0].payload[299] == 3);
  CHECK(messages[1].timestamp == 2 * ts);
  CHECK(messages[1].payload[299] == 6);
}

TEST_CASE("chunk reader: a type 3 header starting a message may carry a new extended delta") {
  const std::uint32_t ts = 0x01000000;
  const std::uint32_t delta = 0x02000000;
  const Raw raw = Raw()
                      .fmt0(6, 0xFFFFFF, 200, message_type::video, 1)
                      .u32(ts)
                      .data(128, 1)
                      .fmt3(6)
                      .u32(ts)
                      .data(72, 2)
                      .fmt3(6)
                      .u32(delta)
                      .data(128, 3)
                      .fmt3(6)
                      .u32(delta)  // continuation repeats the field of its own message
                      .data(72, 4);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 2);
  CHECK(messages[1].timestamp == ts + delta);
  CHECK(messages[1].payload.size() == 200);
  CHECK(messages[1].payload[199] == 4);
}

TEST_CASE("chunk reader: extended timestamp not repeated inside a message is tolerated") {
  const Raw raw = Raw().fmt0(6, 0xFFFFFF, 200, message_type::video, 1).u32(0x7F000000).data(128, 1).fmt3(6).data(72, 2);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].timestamp == 0x7F000000);
  CHECK(messages[0].payload.size() == 200);
  CHECK(messages[0].payload[199] == 2);
}

TEST_CASE("chunk reader: extended timestamp delta in type 1 and type 2 headers") {
  const Raw raw = Raw()
                      .fmt0(6, 11000, 1, message_type::video, 1)
                      .data(1, 1)
                      .fmt1(6, 0xFFFFFF, 2, message_type::video)
                      .u32(16776216)
                      .data(2, 2)
                      .fmt2(6, 0xFFFFFF)
                      .u32(0x01000000)
                      .data(2, 3)
                      .fmt2(6, 5)
                      .data(2, 4);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 4);
  CHECK(messages[1].timestamp == 11000 + 16776216);
  CHECK(messages[2].timestamp == 11000 + 16776216 + 0x01000000);
  CHECK(messages[3].timestamp == 11000 + 16776216 + 0x01000000 + 5);
}

TEST_CASE("chunk reader: timestamps wrap at 2^32") {
  const Raw raw =
      Raw().fmt0(4, 0xFFFFFF, 1, message_type::audio, 1).u32(0xFFFFFFF0).data(1, 1).fmt2(4, 0x20).data(1, 2);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 2);
  CHECK(messages[1].timestamp == 0x10);
}

TEST_CASE("chunk reader: byte-at-a-time feeding gives the same messages") {
  const Raw raw = Raw()
                      .fmt0(4, 1000, 307, message_type::video, 1)
                      .data(128, 1)
                      .fmt3(4)
                      .data(128, 2)
                      .fmt0(400, 0xFFFFFF, 3, message_type::audio, 1)
                      .u32(0x02000000)
                      .data(3, 9)
                      .fmt3(4)
                      .data(51, 3)
                      .fmt2(4, 33)
                      .data(128, 4)
                      .fmt3(4)
                      .data(128, 5)
                      .fmt3(4)
                      .data(51, 6);
  const auto whole = read_all(raw.bytes);
  REQUIRE(whole.size() == 3);
  ChunkReader reader(1 << 20);
  std::vector<Message> single;
  for (const std::uint8_t b : raw.bytes) {
    reader.feed(std::span(&b, 1));
    while (auto m = reader.next()) single.push_back(std::move(*m));
    CHECK(reader.buffered_bytes() < 20);  // never more than one partial header
  }
  REQUIRE(single.size() == whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) check_same(single[i], whole[i]);
  CHECK(single[0].chunk_stream_id == 400);  // completed first
  CHECK(single[2].timestamp == 1033);
}

TEST_CASE("chunk reader: interleaved chunk streams") {
  // A video message on csid 6 split by audio messages on csid 4.
  const Raw raw = Raw()
                      .fmt0(6, 0, 300, message_type::video, 1)
                      .data(128, 0x61)
                      .fmt0(4, 0, 10, message_type::audio, 1)
                      .data(10, 0x41)
                      .fmt3(6)
                      .data(128, 0x62)
                      .fmt2(4, 23)
                      .data(10, 0x42)
                      .fmt3(6)
                      .data(44, 0x63);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 3);
  CHECK(messages[0].chunk_stream_id == 4);
  CHECK(messages[1].chunk_stream_id == 4);
  CHECK(messages[1].timestamp == 23);
  CHECK(messages[2].chunk_stream_id == 6);
  CHECK(messages[2].payload.size() == 300);
  CHECK(messages[2].payload[200] == 0x62);
}

TEST_CASE("chunk reader: set chunk size mid-stream is applied and not returned") {
  ChunkReader reader(1 << 20);
  CHECK(reader.chunk_size() == 128);
  const Raw raw = Raw()
                      .fmt0(2, 0, 4, message_type::set_chunk_size, 0)
                      .u32(4096)
                      .fmt0(6, 0, 3000, message_type::video, 1)
                      .data(3000, 5)
                      .fmt0(2, 0, 4, message_type::set_chunk_size, 0)
                      .u32(1)
                      .fmt0(3, 0, 3, message_type::command_amf0, 0)
                      .data(1, 1)
                      .fmt3(3)
                      .data(1, 2)
                      .fmt3(3)
                      .data(1, 3);
  const auto messages = read_all(reader, raw.bytes);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].payload.size() == 3000);
  CHECK(messages[1].payload == Bytes{1, 2, 3});
  CHECK(reader.chunk_size() == 1);
}

TEST_CASE("chunk reader: abort drops the partial message on that chunk stream") {
  const Raw raw = Raw()
                      .fmt0(6, 0, 300, message_type::video, 1)
                      .data(128, 1)
                      .fmt0(2, 0, 4, message_type::abort, 0)
                      .u32(6)
                      .fmt0(6, 50, 2, message_type::video, 1)
                      .data(2, 9)
                      .fmt0(2, 0, 4, message_type::abort, 0)
                      .u32(77);  // nothing in progress there: ignored
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].timestamp == 50);
  CHECK(messages[0].payload == Bytes{9, 9});
}

TEST_CASE("chunk reader: other protocol control messages are returned") {
  const Raw raw = Raw()
                      .fmt0(2, 0, 4, message_type::window_ack_size, 0)
                      .u32(2500000)
                      .fmt0(2, 0, 6, message_type::user_control, 0)
                      .data(1, 0)
                      .byte(6)
                      .u32(99);
  const auto messages = read_all(raw.bytes);
  REQUIRE(messages.size() == 2);
  CHECK(parse_u32_control(messages[0]) == 2500000);
  const UserControl ping = parse_user_control(messages[1]);
  CHECK(ping.type == user_control_event::ping_request);
  CHECK(ping.value == 99);
}

TEST_CASE("chunk reader: a real ffmpeg connect") {
  const Bytes in = test::read_data_file("ffmpeg_connect.bin");
  const auto messages = read_all(in);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].type_id == message_type::command_amf0);
  CHECK(messages[0].chunk_stream_id == 3);
  CHECK(messages[0].payload.size() == 140);
  const Command connect = parse_command(messages[0]);
  CHECK(connect.name == "connect");
  CHECK(connect.transaction_id == 1);
  CHECK(connect.command_object.string_or("app", "") == "live");
}

TEST_CASE("chunk reader: limits and malformed input") {
  SUBCASE("message longer than the limit") {
    const Raw raw = Raw().fmt0(4, 0, 16000000, message_type::video, 1);
    ChunkReader reader(8388608);
    reader.feed(raw.bytes);
    CHECK_THROWS_WITH_AS(reader.next(), "rtmp chunk: message length 16000000 exceeds limit 8388608", ProtocolError);
  }
  SUBCASE("type 1 grows the length over the limit") {
    const Raw raw = Raw().fmt0(4, 0, 10, message_type::video, 1).data(10, 0).fmt1(4, 0, 1001, message_type::video);
    ChunkReader reader(1000);
    reader.feed(raw.bytes);
    CHECK(reader.next().has_value());
    CHECK_THROWS_AS(reader.next(), ProtocolError);
  }
  SUBCASE("set chunk size 0") {
    const Raw raw = Raw().fmt0(2, 0, 4, message_type::set_chunk_size, 0).u32(0);
    CHECK_THROWS_WITH_AS(read_all(raw.bytes), "rtmp chunk: invalid chunk size 0", ProtocolError);
  }
  SUBCASE("set chunk size with the top bit set") {
    const Raw raw = Raw().fmt0(2, 0, 4, message_type::set_chunk_size, 0).u32(0x80000080);
    CHECK_THROWS_AS(read_all(raw.bytes), ProtocolError);
  }
  SUBCASE("set chunk size over the accepted maximum") {
    const Raw raw = Raw().fmt0(2, 0, 4, message_type::set_chunk_size, 0).u32(ChunkReader::max_chunk_size + 1);
    CHECK_THROWS_WITH_AS(read_all(raw.bytes), doctest::Contains("exceeds limit 16777216"), ProtocolError);
  }
  SUBCASE("set chunk size over the configured cap (rtmp.max_chunk_bytes)") {
    ChunkReader reader(1 << 20, 65536);
    const Raw ok = Raw().fmt0(2, 0, 4, message_type::set_chunk_size, 0).u32(65536);
    CHECK(read_all(reader, ok.bytes).empty());
    CHECK(reader.chunk_size() == 65536);
    const Raw raw = Raw().fmt0(2, 0, 4, message_type::set_chunk_size, 0).u32(65537);
    CHECK_THROWS_WITH_AS(read_all(reader, raw.bytes), doctest::Contains("exceeds limit 65536"), ProtocolError);
  }
  SUBCASE("set chunk size payload too short") {
    const Raw raw = Raw().fmt0(2, 0, 2, message_type::set_chunk_size, 0).data(2, 1);
    CHECK_THROWS_AS(read_all(raw.bytes), ProtocolError);
  }
  SUBCASE("type 2 and type 3 on a chunk stream never seen") {
    CHECK_THROWS_AS(read_all(Raw().fmt2(5, 10).data(3, 0).bytes), ProtocolError);
    CHECK_THROWS_AS(read_all(Raw().fmt3(5).data(3, 0).bytes), ProtocolError);
  }
  SUBCASE("type 1 on a fresh chunk stream is accepted (librtmp does this on csid 2)") {
    const auto messages = read_all(Raw().fmt1(2, 10, 2, message_type::user_control).data(2, 0).bytes);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].stream_id == 0);
    CHECK(messages[0].timestamp == 10);
  }
  SUBCASE("a new message header inside a message") {
    const Raw raw = Raw().fmt0(4, 0, 200, message_type::video, 1).data(128, 0).fmt1(4, 0, 10, message_type::video);
    CHECK_THROWS_WITH_AS(read_all(raw.bytes), doctest::Contains("inside a message (128 of 200 bytes"), ProtocolError);
  }
  SUBCASE("too many chunk streams with incomplete messages") {
    Raw raw;
    for (std::uint32_t csid = 10; csid < 10 + ChunkReader::max_chunk_streams; ++csid) {
      raw.fmt0(csid, 0, 200, message_type::video, 1).data(128, 0);
    }
    ChunkReader reader(1 << 20);
    CHECK(read_all(reader, raw.bytes).empty());
    CHECK_THROWS_WITH_AS(read_all(reader, Raw().fmt0(500, 0, 1, message_type::audio, 1).data(1, 0).bytes),
                         doctest::Contains("more than 64 chunk streams"), ProtocolError);
  }
  SUBCASE("too many bytes in incomplete messages") {
    Raw raw;
    for (std::uint32_t csid = 10; csid < 13; ++csid) raw.fmt0(csid, 0, 1000, message_type::video, 1).data(128, 0);
    for (int chunk = 0; chunk < 6; ++chunk) {
      for (std::uint32_t csid = 10; csid < 13; ++csid) raw.fmt3(csid).data(128, 0);
    }
    CHECK_THROWS_WITH_AS(read_all(raw.bytes, 1000), doctest::Contains("bytes buffered in incomplete messages"),
                         ProtocolError);
  }
}

TEST_CASE("chunk reader: more than 64 chunk streams over time is fine") {
  Raw raw;
  for (std::uint32_t csid = 3; csid < 300; ++csid) raw.fmt0(csid, csid, 1, message_type::audio, 1).data(1, 1);
  raw.fmt0(3, 5, 1, message_type::audio, 1).data(1, 1);
  const auto messages = read_all(raw.bytes);
  CHECK(messages.size() == 298);
}

TEST_CASE("chunk writer: header types") {
  ChunkWriter writer;
  Bytes out;
  std::mt19937 rng(1);
  writer.write(make_message(6, message_type::video, 100, 1, 10, rng), out);
  CHECK(out[0] == 0x06);  // type 0
  CHECK(out.size() == 12 + 10);
  out.clear();
  writer.write(make_message(6, message_type::video, 140, 1, 20, rng), out);
  CHECK(out[0] == 0x46);  // type 1: length changed
  CHECK(out.size() == 8 + 20);
  out.clear();
  writer.write(make_message(6, message_type::video, 180, 1, 20, rng), out);
  CHECK(out[0] == 0x86);  // type 2: only the timestamp moved
  CHECK(out.size() == 4 + 20);
  out.clear();
  writer.write(make_message(6, message_type::video, 170, 1, 20, rng), out);
  CHECK(out[0] == 0x06);  // timestamp went backwards: type 0
  out.clear();
  writer.write(make_message(6, message_type::video, 200, 2, 20, rng), out);
  CHECK(out[0] == 0x06);  // another message stream: type 0
  out.clear();
  writer.write(make_message(6, message_type::video, 300, 2, 300, rng), out);
  CHECK(out[0] == 0x46);
  CHECK(out[8 + 128] == 0xC6);  // continuation chunks are type 3
  CHECK(out[8 + 128 + 1 + 128] == 0xC6);
  CHECK(out.size() == 8 + 300 + 2);
}

TEST_CASE("chunk writer: extended timestamps repeat in continuation chunks") {
  ChunkWriter writer;
  Bytes out;
  std::mt19937 rng(2);
  writer.write(make_message(4, message_type::video, 0x01000000, 1, 200, rng), out);
  CHECK(Bytes(out.begin() + 1, out.begin() + 4) == Bytes{0xFF, 0xFF, 0xFF});
  CHECK(Bytes(out.begin() + 12, out.begin() + 16) == Bytes{0x01, 0x00, 0x00, 0x00});
  CHECK(out[16 + 128] == 0xC4);
  CHECK(Bytes(out.begin() + 16 + 128 + 1, out.begin() + 16 + 128 + 5) == Bytes{0x01, 0x00, 0x00, 0x00});
  CHECK(out.size() == 16 + 200 + 5);
}

TEST_CASE("chunk writer: basic header sizes and invalid ids") {
  ChunkWriter writer;
  std::mt19937 rng(3);
  Bytes out;
  writer.write(make_message(64, message_type::audio, 0, 1, 1, rng), out);
  CHECK(Bytes(out.begin(), out.begin() + 2) == Bytes{0x00, 0x00});
  out.clear();
  writer.write(make_message(65599, message_type::audio, 0, 1, 1, rng), out);
  CHECK(Bytes(out.begin(), out.begin() + 3) == Bytes{0x01, 0xFF, 0xFF});
  CHECK_THROWS_AS(writer.write(make_message(1, message_type::audio, 0, 1, 1, rng), out), std::invalid_argument);
  CHECK_THROWS_AS(writer.write(make_message(65600, message_type::audio, 0, 1, 1, rng), out), std::invalid_argument);
  CHECK_THROWS_AS(writer.set_chunk_size(0), std::invalid_argument);
}

TEST_CASE("chunk writer: writing set chunk size switches the writer") {
  ChunkWriter writer;
  Bytes out;
  writer.write(set_chunk_size(4096), out);
  CHECK(writer.chunk_size() == 4096);
  std::mt19937 rng(4);
  const Message big = make_message(6, message_type::video, 0, 1, 5000, rng);
  writer.write(big, out);
  ChunkReader reader(1 << 20);
  const auto messages = read_all(reader, out);
  REQUIRE(messages.size() == 1);
  check_same(messages[0], big);
  CHECK(reader.chunk_size() == 4096);
}

TEST_CASE("chunk writer -> reader round trip") {
  std::mt19937 rng(42);
  const std::size_t sizes[] = {0, 1, 2, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097, 70000};
  const std::uint32_t timestamps[] = {0, 1, 33, 0xFFFFFE, 0xFFFFFF, 0x1000000, 0x7FFFFFFF, 0xFFFFFFFF};
  for (const std::uint32_t chunk_size : {1u, 7u, 128u, 4096u, 65536u}) {
    CAPTURE(chunk_size);
    ChunkWriter writer;
    Bytes wire;
    writer.write(set_chunk_size(chunk_size), wire);
    std::vector<Message> sent;
    std::uint32_t ts = 0;
    for (const std::size_t size : sizes) {
      for (const std::uint32_t jump : timestamps) {
        if (chunk_size == 1 && size > 4096) continue;  // keeps the test fast
        // Mix chunk streams, message streams, types; timestamps mostly grow, sometimes jump.
        const std::uint32_t csid = 3 + rng() % 5;
        const std::uint8_t type = rng() % 2 ? message_type::video : message_type::audio;
        ts = rng() % 4 == 0 ? jump : ts + jump % 100;
        sent.push_back(make_message(csid, type, ts, 1 + rng() % 2, size, rng));
        writer.write(sent.back(), wire);
      }
    }
    SUBCASE("whole") {
      const auto got = read_all(wire, 1 << 24);
      REQUIRE(got.size() == sent.size());
      for (std::size_t i = 0; i < sent.size(); ++i) check_same(got[i], sent[i]);
    }
    SUBCASE("random pieces") {
      const auto got = read_in_pieces(wire, rng, 300);
      REQUIRE(got.size() == sent.size());
      for (std::size_t i = 0; i < sent.size(); ++i) check_same(got[i], sent[i]);
    }
  }
}

TEST_CASE("chunk writer -> reader: extended delta and interleaving by writer output order") {
  std::mt19937 rng(7);
  ChunkWriter writer;
  Bytes wire;
  std::vector<Message> sent;
  // Deltas straddling 0xFFFFFF on the same chunk stream.
  for (const std::uint32_t ts : {0u, 0xFFFFFEu, 0x1FFFFFDu, 0x1FFFFFEu, 0x2FFFFFEu, 0x2FFFFFFu}) {
    sent.push_back(make_message(8, message_type::video, ts, 1, 300, rng));
    writer.write(sent.back(), wire);
  }
  const auto got = read_in_pieces(wire, rng, 17);
  REQUIRE(got.size() == sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) check_same(got[i], sent[i]);
}

TEST_CASE("chunk reader: fed bytes are parsed in place; only an unfinished header is kept") {
  // The reader views the caller's buffer (no copy per read) and must keep
  // exactly what it still needs once next() returns nullopt: the caller
  // reuses its buffer for the next read, as the session's read buffer does.
  std::mt19937 rng(7);
  ChunkWriter writer;
  Bytes wire;
  writer.write(set_chunk_size(4096), wire);
  std::vector<Message> sent;
  for (int i = 0; i < 40; ++i) {
    sent.push_back(make_message(i % 2 ? 4 : 6, i % 2 ? message_type::audio : message_type::video,
                                static_cast<std::uint32_t>(33 * i), 1, 1 + rng() % 9000, rng));
    writer.write(sent.back(), wire);
  }
  for (const std::size_t piece : {1ul, 5ul, 13ul, 700ul, 4099ul, 16384ul}) {
    CAPTURE(piece);
    ChunkReader reader(1 << 20);
    Bytes buffer(piece);  // one buffer, overwritten by every "read"
    std::vector<Message> got;
    for (std::size_t pos = 0; pos < wire.size(); pos += piece) {
      const std::size_t n = std::min(piece, wire.size() - pos);
      std::copy_n(wire.begin() + static_cast<std::ptrdiff_t>(pos), n, buffer.begin());
      reader.feed(std::span(buffer).first(n));
      while (auto m = reader.next()) got.push_back(std::move(*m));
      CHECK(reader.buffered_bytes() < 20);            // at most a partial chunk header
      std::fill(buffer.begin(), buffer.end(), 0xEE);  // the caller's bytes are gone
    }
    REQUIRE(got.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) check_same(got[i], sent[i]);
  }
}

TEST_CASE("chunk reader: feeding again before the reader ran dry keeps the unparsed bytes") {
  std::mt19937 rng(8);
  ChunkWriter writer;
  Bytes wire;
  const Message a = make_message(4, message_type::audio, 10, 1, 100, rng);
  const Message b = make_message(4, message_type::audio, 20, 1, 100, rng);
  writer.write(a, wire);
  writer.write(b, wire);
  ChunkReader reader(1 << 20);
  Bytes first(wire.begin(), wire.begin() + 150), second(wire.begin() + 150, wire.end());
  reader.feed(first);
  auto m = reader.next();  // `a`; the rest of `first` is still only viewed
  REQUIRE(m);
  check_same(*m, a);
  reader.feed(second);  // before next() returned nullopt: the rest is copied first
  std::fill(first.begin(), first.end(), 0xEE);
  m = reader.next();
  REQUIRE(m);
  check_same(*m, b);
  CHECK_FALSE(reader.next());
  CHECK(reader.buffered_bytes() == 0);
}

}  // namespace tidecast::rtmp

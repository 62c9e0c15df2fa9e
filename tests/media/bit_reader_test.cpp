#include "media/bit_reader.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "media/test_bit_writer.hpp"

using tidecast::media::BitReader;
using tidecast::media::ByteReader;
using tidecast::media::remove_emulation_prevention;

TEST_CASE("BitReader reads fields most significant bit first") {
  const std::vector<std::uint8_t> data = {0xa5, 0x0f, 0xff, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9a};
  BitReader reader(data);
  CHECK(reader.bits(1) == 1);
  CHECK(reader.bits(3) == 0b010);
  CHECK(reader.bits(4) == 0b0101);
  CHECK(reader.bits(12) == 0x0ff);
  CHECK(reader.bits(4) == 0xf);
  CHECK(reader.bits(0) == 0);
  CHECK(reader.bit_position() == 24);
  CHECK(reader.bits(32) == 0x00123456);
  CHECK(reader.bits_left() == 16);
  CHECK(reader.bits64(16) == 0x789a);
  CHECK(reader.bits_left() == 0);
  CHECK_THROWS_AS(reader.flag(), std::invalid_argument);
}

TEST_CASE("BitReader exp-Golomb codes round-trip") {
  tidecast::test::BitWriter writer;
  const std::vector<std::uint32_t> unsigned_values = {0, 1, 2, 3, 7, 8, 255, 65535, 0x7fffffff, 0xfffffffe};
  const std::vector<std::int32_t> signed_values = {0, 1, -1, 2, -2, 127, -128, 0x7fffffff, -0x7fffffff};
  for (const auto value : unsigned_values) writer.ue(value);
  for (const auto value : signed_values) writer.se(value);
  writer.trailing();
  BitReader reader(writer.data());
  for (const auto value : unsigned_values) CHECK(reader.ue() == value);
  for (const auto value : signed_values) CHECK(reader.se() == value);
}

TEST_CASE("BitReader rejects overlong and truncated exp-Golomb codes") {
  const std::vector<std::uint8_t> zeros(8, 0);
  BitReader overlong(zeros, "test");
  CHECK_THROWS_WITH_AS(overlong.ue(), "test: exp-Golomb code too long", std::invalid_argument);

  const std::vector<std::uint8_t> truncated = {0x00, 0x01};  // 15 zeros then a one: needs 15 more bits
  BitReader reader(truncated, "sps");
  CHECK_THROWS_WITH_AS(reader.ue(), "sps: truncated", std::invalid_argument);
}

TEST_CASE("BitReader uvlc and leb128") {
  const std::vector<std::uint8_t> uvlc = {0b00101000};  // 2 leading zeros, then 1, then 01 -> 3 + 1 = 4
  BitReader reader(uvlc);
  CHECK(reader.uvlc() == 4);

  const std::vector<std::uint8_t> leb = {0xe5, 0x8e, 0x26, 0x05};
  BitReader leb_reader(leb);
  CHECK(leb_reader.leb128() == 624485);
  CHECK(leb_reader.leb128() == 5);

  const std::vector<std::uint8_t> endless(9, 0x80);
  BitReader endless_reader(endless);
  CHECK_THROWS_AS(endless_reader.leb128(), std::invalid_argument);
}

TEST_CASE("ByteReader reads big-endian values and names what is truncated") {
  const std::vector<std::uint8_t> data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b};
  ByteReader reader(data, "avcC");
  CHECK(reader.u8() == 0x01);
  CHECK(reader.u16() == 0x0203);
  CHECK(reader.u24() == 0x040506);
  CHECK(reader.u32() == 0x0708090a);
  CHECK(reader.remaining() == 1);
  CHECK_THROWS_WITH_AS(reader.bytes(2, "SPS"), "avcC: truncated SPS", std::invalid_argument);
  CHECK(reader.remaining() == 1);  // a failed read consumes nothing
  CHECK(reader.bytes(1, "tail")[0] == 0x0b);
  CHECK(reader.empty());
  CHECK_THROWS_AS(reader.u8(), std::invalid_argument);
}

TEST_CASE("remove_emulation_prevention drops 03 after two zero bytes") {
  const std::vector<std::uint8_t> nal = {0x67, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03};
  const std::vector<std::uint8_t> expected = {0x67, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
  CHECK(remove_emulation_prevention(nal) == expected);
  // 00 03 (one zero) and 00 00 00 03 keep their bytes correctly.
  const std::vector<std::uint8_t> other = {0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x04};
  const std::vector<std::uint8_t> other_expected = {0x00, 0x03, 0x00, 0x00, 0x00, 0x04};
  CHECK(remove_emulation_prevention(other) == other_expected);
  CHECK(remove_emulation_prevention({}).empty());
}

TEST_CASE("emulation prevention round-trips through the test writer") {
  const std::vector<std::uint8_t> rbsp = {0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, 0x7f};
  const auto escaped = tidecast::test::add_emulation_prevention(rbsp);
  CHECK(escaped.size() > rbsp.size());
  CHECK(remove_emulation_prevention(escaped) == rbsp);
}

#include "media/bit_reader.hpp"

#include <stdexcept>

namespace tidecast::media {

BitReader::BitReader(std::span<const std::uint8_t> data, std::string_view context) : data_(data), context_(context) {}

void BitReader::fail(std::string_view what) const {
  throw std::invalid_argument(context_ + ": " + std::string(what));
}

void BitReader::need(std::size_t count) const {
  if (count > bits_left()) fail("truncated");
}

std::uint32_t BitReader::bits(int count) {
  if (count < 0 || count > 32) fail("bit field wider than 32 bits");
  return static_cast<std::uint32_t>(bits64(count));
}

std::uint64_t BitReader::bits64(int count) {
  if (count < 0 || count > 64) fail("bit field wider than 64 bits");
  need(static_cast<std::size_t>(count));
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i) {
    const std::uint8_t byte = data_[position_ / 8];
    const int bit = (byte >> (7 - position_ % 8)) & 1;
    value = (value << 1) | static_cast<std::uint64_t>(bit);
    ++position_;
  }
  return value;
}

std::uint32_t BitReader::ue() {
  int leading_zeros = 0;
  while (!flag()) {
    if (++leading_zeros > 31) fail("exp-Golomb code too long");
  }
  if (leading_zeros == 0) return 0;
  const std::uint64_t value = (std::uint64_t{1} << leading_zeros) - 1 + bits(leading_zeros);
  return static_cast<std::uint32_t>(value);
}

std::int32_t BitReader::se() {
  const std::uint64_t code = ue();
  // 1, 2, 3, 4 ... map to 1, -1, 2, -2 ...; |value| <= 2^31 - 1 since code <= 2^32 - 2.
  const auto magnitude = static_cast<std::int64_t>((code + 1) / 2);
  return static_cast<std::int32_t>(code % 2 == 1 ? magnitude : -magnitude);
}

std::uint32_t BitReader::uvlc() {
  int leading_zeros = 0;
  while (!flag()) ++leading_zeros;  // bounded: flag() throws at the end of the data
  if (leading_zeros >= 32) return 0xffffffffu;
  const std::uint64_t value = (std::uint64_t{1} << leading_zeros) - 1 + bits(leading_zeros);
  return static_cast<std::uint32_t>(value);
}

std::uint64_t BitReader::leb128() {
  if (!byte_aligned()) fail("leb128 not byte aligned");
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    const std::uint32_t byte = bits(8);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (i * 7);
    if ((byte & 0x80) == 0) {
      if (value > 0xffffffffu) fail("leb128 value too large");
      return value;
    }
  }
  fail("leb128 longer than 8 bytes");
}

void BitReader::skip(std::size_t count) {
  need(count);
  position_ += count;
}

void BitReader::byte_align() {
  const std::size_t rest = (8 - position_ % 8) % 8;
  skip(rest);
}

std::span<const std::uint8_t> BitReader::remaining_bytes() const {
  if (!byte_aligned()) fail("not byte aligned");
  return data_.subspan(position_ / 8);
}

ByteReader::ByteReader(std::span<const std::uint8_t> data, std::string_view context) : data_(data), context_(context) {}

void ByteReader::fail(std::string_view what) const {
  throw std::invalid_argument(context_ + ": " + std::string(what));
}

std::span<const std::uint8_t> ByteReader::bytes(std::size_t count, std::string_view what) {
  if (count > remaining()) fail("truncated " + std::string(what));
  const auto view = data_.subspan(position_, count);
  position_ += count;
  return view;
}

std::uint8_t ByteReader::u8() {
  return bytes(1, "header")[0];
}

std::uint16_t ByteReader::u16() {
  const auto b = bytes(2, "header");
  return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

std::uint32_t ByteReader::u24() {
  const auto b = bytes(3, "header");
  return (std::uint32_t{b[0]} << 16) | (std::uint32_t{b[1]} << 8) | b[2];
}

std::uint32_t ByteReader::u32() {
  const auto b = bytes(4, "header");
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

std::uint64_t ByteReader::u64() {
  const std::uint64_t high = u32();
  return (high << 32) | u32();
}

std::vector<std::uint8_t> remove_emulation_prevention(std::span<const std::uint8_t> nal) {
  std::vector<std::uint8_t> out;
  out.reserve(nal.size());
  int zeros = 0;
  for (const std::uint8_t byte : nal) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;  // drop the emulation prevention byte
      continue;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace tidecast::media

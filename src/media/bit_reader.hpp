#pragma once
// Bounds-checked readers for codec configuration records and bitstream headers.
//
// Error convention for every parser in src/media/: malformed or truncated input
// (it comes from the network) throws std::invalid_argument whose message starts
// with the structure being parsed, e.g. "avcC: truncated SPS". Nothing reads out
// of bounds, and no allocation is larger than the input it was read from.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tidecast::media {

// Reads big-endian bit fields, most significant bit first (H.264/HEVC/AV1/AAC).
class BitReader {
 public:
  // `context` prefixes error messages ("avc SPS: truncated").
  explicit BitReader(std::span<const std::uint8_t> data, std::string_view context = "bitstream");

  // Reads `count` bits (0..32) as an unsigned value.
  std::uint32_t bits(int count);
  // Reads `count` bits (0..64).
  std::uint64_t bits64(int count);
  bool flag() { return bits(1) != 0; }
  // Unsigned / signed exp-Golomb (H.264 9.1); codes with more than 31 leading
  // zero bits are rejected.
  std::uint32_t ue();
  std::int32_t se();
  // AV1 uvlc(): like ue() but 32 or more leading zeros saturate to 2^32 - 1.
  std::uint32_t uvlc();
  // AV1 leb128(): at most 8 bytes, value must fit 32 bits; must be byte aligned.
  std::uint64_t leb128();
  void skip(std::size_t count);
  void byte_align();

  std::size_t bit_position() const { return position_; }
  std::size_t bits_left() const { return data_.size() * 8 - position_; }
  bool byte_aligned() const { return position_ % 8 == 0; }
  // The unread remainder; requires byte alignment.
  std::span<const std::uint8_t> remaining_bytes() const;

  [[noreturn]] void fail(std::string_view what) const;

 private:
  void need(std::size_t count) const;

  std::span<const std::uint8_t> data_;
  std::size_t position_ = 0;
  std::string context_;
};

// Reads big-endian bytes from a configuration record (avcC, hvcC, esds...).
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data, std::string_view context = "record");

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u24();
  std::uint32_t u32();
  std::uint64_t u64();
  // A view of the next `count` bytes; `what` names them in the error message
  // ("avcC: truncated SPS").
  std::span<const std::uint8_t> bytes(std::size_t count, std::string_view what = "data");
  void skip(std::size_t count, std::string_view what = "data") { bytes(count, what); }

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return data_.size() - position_; }
  bool empty() const { return remaining() == 0; }

  [[noreturn]] void fail(std::string_view what) const;

 private:
  std::span<const std::uint8_t> data_;
  std::size_t position_ = 0;
  std::string context_;
};

// Removes emulation prevention bytes (00 00 03 -> 00 00) from an H.264/HEVC
// NAL unit payload, giving the raw byte sequence payload (RBSP).
std::vector<std::uint8_t> remove_emulation_prevention(std::span<const std::uint8_t> nal);

}  // namespace tidecast::media

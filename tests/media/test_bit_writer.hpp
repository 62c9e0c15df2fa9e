#pragma once
// Test helper: writes big-endian bit fields and exp-Golomb codes, to build
// synthetic bitstream headers (SPS with scaling lists, unusual ASCs...).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace tidecast::test {

class BitWriter {
 public:
  void bits(std::uint64_t value, int count) {
    for (int i = count - 1; i >= 0; --i) bit(i < 64 ? static_cast<int>((value >> i) & 1) : 0);
  }
  void bit(int value) {
    if (used_ == 0) bytes_.push_back(0);
    if (value) bytes_.back() = static_cast<std::uint8_t>(bytes_.back() | (0x80 >> used_));
    used_ = (used_ + 1) % 8;
  }
  void ue(std::uint32_t value) {
    const std::uint64_t code = std::uint64_t{value} + 1;
    int length = 0;
    while ((code >> length) > 1) ++length;
    bits(0, length);
    bits(code, length + 1);
  }
  void se(std::int32_t value) {
    const std::int64_t wide = value;
    ue(static_cast<std::uint32_t>(wide > 0 ? 2 * wide - 1 : -2 * wide));
  }
  // rbsp_trailing_bits: a one, then zeros to the byte boundary.
  void trailing() {
    bit(1);
    while (used_ != 0) bit(0);
  }
  void align() {
    while (used_ != 0) bit(0);
  }
  const std::vector<std::uint8_t>& data() const { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
  int used_ = 0;
};

// Inserts emulation prevention bytes: 00 00 0x (x <= 3) -> 00 00 03 0x.
inline std::vector<std::uint8_t> add_emulation_prevention(const std::vector<std::uint8_t>& rbsp) {
  std::vector<std::uint8_t> out;
  int zeros = 0;
  for (const std::uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return out;
}

// Calls parse(prefix) for every proper prefix of `data` and for corrupted
// copies; each must either succeed or throw std::invalid_argument.
template <class Parse>
int check_never_crashes(const std::vector<std::uint8_t>& data, Parse&& parse) {
  int errors = 0;
  const auto attempt = [&](const std::vector<std::uint8_t>& input) {
    try {
      parse(input);
    } catch (const std::invalid_argument&) {
      ++errors;
    }
  };
  for (std::size_t size = 0; size < data.size(); ++size) {
    attempt(std::vector<std::uint8_t>(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(size)));
  }
  std::uint32_t state = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::uint8_t> copy = data;
    for (int flips = 0; flips < 3 && !copy.empty(); ++flips) {
      state = state * 1664525u + 1013904223u;
      copy[(state >> 8) % copy.size()] ^= static_cast<std::uint8_t>(1u << ((state >> 4) % 8));
    }
    attempt(copy);
  }
  for (int round = 0; round < 500; ++round) {
    std::vector<std::uint8_t> noise(static_cast<std::size_t>(round % 64));
    for (auto& byte : noise) {
      state = state * 1664525u + 1013904223u;
      byte = static_cast<std::uint8_t>(state >> 24);
    }
    attempt(noise);
  }
  return errors;
}

}  // namespace tidecast::test

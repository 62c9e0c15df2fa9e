#include "package/box_writer.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace tidecast::package {

void BoxWriter::u16(std::uint16_t value) {
  u8(static_cast<std::uint8_t>(value >> 8));
  u8(static_cast<std::uint8_t>(value));
}

void BoxWriter::u24(std::uint32_t value) {
  u8(static_cast<std::uint8_t>(value >> 16));
  u16(static_cast<std::uint16_t>(value));
}

void BoxWriter::u32(std::uint32_t value) {
  u16(static_cast<std::uint16_t>(value >> 16));
  u16(static_cast<std::uint16_t>(value));
}

void BoxWriter::u64(std::uint64_t value) {
  u32(static_cast<std::uint32_t>(value >> 32));
  u32(static_cast<std::uint32_t>(value));
}

void BoxWriter::fourcc(std::string_view code) {
  if (code.size() != 4) throw std::invalid_argument("box type must be four characters: " + std::string(code));
  for (const char c : code) u8(static_cast<std::uint8_t>(c));
}

std::size_t BoxWriter::begin_box(std::string_view type) {
  const std::size_t offset = data_.size();
  u32(0);
  fourcc(type);
  return offset;
}

std::size_t BoxWriter::begin_full_box(std::string_view type, std::uint8_t version, std::uint32_t flags) {
  const std::size_t offset = begin_box(type);
  u8(version);
  u24(flags);
  return offset;
}

void BoxWriter::end_box(std::size_t offset) {
  const std::size_t size = data_.size() - offset;
  if (size > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("box larger than 4 GiB");
  patch_u32(offset, static_cast<std::uint32_t>(size));
}

void BoxWriter::patch_u32(std::size_t offset, std::uint32_t value) {
  if (offset > data_.size() || data_.size() - offset < 4) throw std::out_of_range("patch_u32 past the end");
  data_[offset] = static_cast<std::uint8_t>(value >> 24);
  data_[offset + 1] = static_cast<std::uint8_t>(value >> 16);
  data_[offset + 2] = static_cast<std::uint8_t>(value >> 8);
  data_[offset + 3] = static_cast<std::uint8_t>(value);
}

}  // namespace tidecast::package

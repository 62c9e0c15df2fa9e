#pragma once
// A minimal ISO BMFF (ISO/IEC 14496-12) box builder: big-endian fields appended
// to one byte vector; nested boxes get their 32-bit size patched when closed.
//
//   BoxWriter w;
//   w.box("moov", [&] {
//     w.full_box("mvhd", 0, 0, [&] { w.u32(0); ... });
//   });
//   std::vector<std::uint8_t> bytes = w.take();
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace tidecast::package {

class BoxWriter {
 public:
  void u8(std::uint8_t value) { data_.push_back(value); }
  void u16(std::uint16_t value);
  void u24(std::uint32_t value);
  void u32(std::uint32_t value);
  void u64(std::uint64_t value);
  void i16(std::int16_t value) { u16(static_cast<std::uint16_t>(value)); }
  void i32(std::int32_t value) { u32(static_cast<std::uint32_t>(value)); }
  // Exactly four characters.
  void fourcc(std::string_view code);
  void bytes(std::span<const std::uint8_t> data) { data_.insert(data_.end(), data.begin(), data.end()); }
  void zeros(std::size_t count) { data_.insert(data_.end(), count, 0); }
  // Sizes the buffer once when the total is known (a media segment's
  // payload), so writing it never reallocates and recopies what is written.
  void reserve(std::size_t bytes) { data_.reserve(bytes); }

  // Opens a box: writes a placeholder size and the type; returns the offset
  // end_box() needs. Prefer box()/full_box() below.
  std::size_t begin_box(std::string_view type);
  std::size_t begin_full_box(std::string_view type, std::uint8_t version, std::uint32_t flags);
  // Patches the size of the box opened at `offset`. Throws std::length_error
  // past 4 GiB (no largesize boxes are written).
  void end_box(std::size_t offset);

  template <class Body>
  void box(std::string_view type, Body&& body) {
    const std::size_t offset = begin_box(type);
    body();
    end_box(offset);
  }
  template <class Body>
  void full_box(std::string_view type, std::uint8_t version, std::uint32_t flags, Body&& body) {
    const std::size_t offset = begin_full_box(type, version, flags);
    body();
    end_box(offset);
  }

  // Overwrites a big-endian u32 written earlier (e.g. trun data_offset).
  void patch_u32(std::size_t offset, std::uint32_t value);

  std::size_t size() const { return data_.size(); }
  const std::vector<std::uint8_t>& data() const { return data_; }
  std::vector<std::uint8_t> take() { return std::move(data_); }

 private:
  std::vector<std::uint8_t> data_;
};

}  // namespace tidecast::package

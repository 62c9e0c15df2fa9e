#pragma once
// Test helper: parses ISO BMFF boxes back into a tree so tests can check what
// the writer produced (sizes, types, field values).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tidecast::test {

inline std::uint32_t be32(std::span<const std::uint8_t> data, std::size_t offset) {
  if (offset + 4 > data.size()) throw std::out_of_range("be32 past the end");
  return (std::uint32_t{data[offset]} << 24) | (std::uint32_t{data[offset + 1]} << 16) |
         (std::uint32_t{data[offset + 2]} << 8) | data[offset + 3];
}
inline std::uint16_t be16(std::span<const std::uint8_t> data, std::size_t offset) {
  if (offset + 2 > data.size()) throw std::out_of_range("be16 past the end");
  return static_cast<std::uint16_t>((data[offset] << 8) | data[offset + 1]);
}
inline std::uint64_t be64(std::span<const std::uint8_t> data, std::size_t offset) {
  return (std::uint64_t{be32(data, offset)} << 32) | be32(data, offset + 4);
}

struct Box {
  std::string type;
  std::size_t size = 0;
  std::span<const std::uint8_t> body;  // after the 8-byte header
  std::vector<Box> children;

  std::uint8_t version() const { return static_cast<std::uint8_t>(be32(body, 0) >> 24); }
  std::uint32_t flags() const { return be32(body, 0) & 0xffffff; }
  // The first descendant along a slash-separated path ("moov/trak/tkhd").
  const Box* find(std::string_view path) const;
};

// How many bytes of a box body come before its child boxes, for the boxes
// that have children.
inline std::optional<std::size_t> child_offset(std::string_view type) {
  for (const char* container : {"moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf"}) {
    if (type == container) return 0;
  }
  if (type == "stsd" || type == "dref") return 8;                     // full box header + entry_count
  if (type == "avc1" || type == "hvc1" || type == "av01") return 78;  // VisualSampleEntry fields
  if (type == "mp4a") return 28;                                      // AudioSampleEntry fields
  return std::nullopt;
}

inline std::vector<Box> parse_boxes(std::span<const std::uint8_t> data) {
  std::vector<Box> boxes;
  std::size_t position = 0;
  while (position < data.size()) {
    if (data.size() - position < 8) throw std::runtime_error("trailing bytes after the last box");
    Box box;
    box.size = be32(data, position);
    box.type.assign(reinterpret_cast<const char*>(data.data() + position + 4), 4);
    if (box.size < 8 || box.size > data.size() - position) throw std::runtime_error("bad size for box " + box.type);
    box.body = data.subspan(position + 8, box.size - 8);
    if (const auto offset = child_offset(box.type)) box.children = parse_boxes(box.body.subspan(*offset));
    position += box.size;
    boxes.push_back(std::move(box));
  }
  return boxes;
}

inline const Box* find_box(const std::vector<Box>& boxes, std::string_view path) {
  const auto slash = path.find('/');
  const std::string_view head = path.substr(0, slash);
  for (const Box& box : boxes) {
    if (box.type != head) continue;
    if (slash == std::string_view::npos) return &box;
    if (const Box* found = find_box(box.children, path.substr(slash + 1))) return found;
  }
  return nullptr;
}

inline const Box* Box::find(std::string_view path) const {
  return find_box(children, path);
}

struct TrunEntry {
  std::uint32_t duration = 0;
  std::uint32_t size = 0;
  std::uint32_t flags = 0;
  std::int32_t composition_offset = 0;
};

struct Trun {
  std::uint32_t flags = 0;
  std::int32_t data_offset = 0;
  std::vector<TrunEntry> entries;
};

inline Trun parse_trun(const Box& trun) {
  Trun out;
  out.flags = trun.flags();
  const std::uint32_t count = be32(trun.body, 4);
  std::size_t position = 8;
  if (out.flags & 0x1) {
    out.data_offset = static_cast<std::int32_t>(be32(trun.body, position));
    position += 4;
  }
  if (out.flags & 0x4) position += 4;  // first_sample_flags
  for (std::uint32_t i = 0; i < count; ++i) {
    TrunEntry entry;
    if (out.flags & 0x100) entry.duration = be32(trun.body, (position += 4) - 4);
    if (out.flags & 0x200) entry.size = be32(trun.body, (position += 4) - 4);
    if (out.flags & 0x400) entry.flags = be32(trun.body, (position += 4) - 4);
    if (out.flags & 0x800) entry.composition_offset = static_cast<std::int32_t>(be32(trun.body, (position += 4) - 4));
    out.entries.push_back(entry);
  }
  if (position != trun.body.size()) throw std::runtime_error("trun size does not match its entries");
  return out;
}

}  // namespace tidecast::test

#include "package/fragment_sample.hpp"

#include <string_view>

namespace tidecast::package {

namespace {

struct Box {
  std::string_view type;
  std::size_t start = 0;  // of the header
  std::size_t body = 0;   // first byte after the header
  std::size_t end = 0;    // one past the last byte
};

std::uint32_t u32(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

// The box at `at` inside [at, limit); nullopt when it does not fit.
std::optional<Box> box_at(std::span<const std::uint8_t> b, std::size_t at, std::size_t limit) {
  if (limit > b.size() || at + 8 > limit) return std::nullopt;
  std::uint64_t size = u32(b, at);
  std::size_t header = 8;
  if (size == 1) {
    if (at + 16 > limit) return std::nullopt;
    size = (std::uint64_t{u32(b, at + 8)} << 32) | u32(b, at + 12);
    header = 16;
  } else if (size == 0) {
    size = limit - at;  // to the end
  }
  if (size < header || size > limit - at) return std::nullopt;
  return Box{std::string_view(reinterpret_cast<const char*>(b.data() + at + 4), 4), at, at + header,
             at + static_cast<std::size_t>(size)};
}

std::optional<Box> find(std::span<const std::uint8_t> b, std::size_t from, std::size_t limit, std::string_view type) {
  while (auto box = box_at(b, from, limit)) {
    if (box->type == type) return box;
    from = box->end;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::span<const std::uint8_t>> first_sample(std::span<const std::uint8_t> segment) {
  const auto moof = find(segment, 0, segment.size(), "moof");
  if (!moof) return std::nullopt;
  const auto traf = find(segment, moof->body, moof->end, "traf");
  if (!traf) return std::nullopt;
  const auto tfhd = find(segment, traf->body, traf->end, "tfhd");
  const auto trun = find(segment, traf->body, traf->end, "trun");
  if (!tfhd || !trun || tfhd->body + 8 > tfhd->end || trun->body + 8 > trun->end) return std::nullopt;

  // tfhd: version/flags, track_ID, then the optional fields in flag order.
  const std::uint32_t tf_flags = u32(segment, tfhd->body) & 0xffffff;
  std::size_t at = tfhd->body + 8;
  std::optional<std::uint64_t> base;
  if (tf_flags & 0x000001) {  // base-data-offset
    if (at + 8 > tfhd->end) return std::nullopt;
    base = (std::uint64_t{u32(segment, at)} << 32) | u32(segment, at + 4);
    at += 8;
  }
  if (tf_flags & 0x000002) at += 4;  // sample-description-index
  if (tf_flags & 0x000008) at += 4;  // default-sample-duration
  std::uint32_t default_size = 0;
  if (tf_flags & 0x000010) {
    if (at + 4 > tfhd->end) return std::nullopt;
    default_size = u32(segment, at);
  }

  // trun: version/flags, sample_count, data_offset?, first_sample_flags?, then per sample.
  const std::uint32_t flags = u32(segment, trun->body) & 0xffffff;
  if (u32(segment, trun->body + 4) == 0) return std::nullopt;
  at = trun->body + 8;
  std::optional<std::int64_t> data_offset;
  if (flags & 0x000001) {
    if (at + 4 > trun->end) return std::nullopt;
    data_offset = static_cast<std::int32_t>(u32(segment, at));
    at += 4;
  }
  if (flags & 0x000004) at += 4;  // first-sample-flags
  if (flags & 0x000100) at += 4;  // sample-duration
  std::uint32_t size = default_size;
  if (flags & 0x000200) {
    if (at + 4 > trun->end) return std::nullopt;
    size = u32(segment, at);
  }
  if (size == 0) return std::nullopt;

  // Where the sample data starts: base (explicit, else this moof: both our
  // writer's default-base-is-moof and the spec's first-traf default) plus the
  // offset; without one, right after the mdat header.
  std::uint64_t start = 0;
  if (data_offset) {
    const std::int64_t from = static_cast<std::int64_t>(base.value_or(moof->start)) + *data_offset;
    if (from < 0) return std::nullopt;
    start = static_cast<std::uint64_t>(from);
  } else {
    const auto mdat = find(segment, moof->end, segment.size(), "mdat");
    if (!mdat) return std::nullopt;
    start = mdat->body;
  }
  if (start > segment.size() || size > segment.size() - start) return std::nullopt;
  return segment.subspan(static_cast<std::size_t>(start), size);
}

}  // namespace tidecast::package

#pragma once
// The Range request header (RFC 9110 §14), single byte ranges only: a
// multi-range request is answered with the whole body, which the RFC allows.
#include <cstdint>
#include <optional>
#include <string_view>

namespace tidecast::http {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

enum class RangeKind { none, satisfiable, unsatisfiable };

struct RangeResult {
  RangeKind kind = RangeKind::none;
  ByteRange range;
};

// `none` when the header is absent, not a bytes range, malformed, or a
// multi-range; `unsatisfiable` when it starts past the end (-> 416).
RangeResult parse_range(std::string_view header, std::uint64_t size);

}  // namespace tidecast::http

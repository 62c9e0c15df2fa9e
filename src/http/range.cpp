#include "http/range.hpp"

#include <charconv>

namespace tidecast::http {

namespace {

std::optional<std::uint64_t> parse_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

RangeResult parse_range(std::string_view header, std::uint64_t size) {
  constexpr std::string_view prefix = "bytes=";
  if (!header.starts_with(prefix)) return {};
  const std::string_view spec = header.substr(prefix.size());
  if (spec.find(',') != std::string_view::npos) return {};
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);

  if (first_text.empty()) {  // suffix range: the last N bytes
    const auto suffix = parse_number(last_text);
    if (!suffix) return {};
    if (*suffix == 0 || size == 0) return {RangeKind::unsatisfiable, {}};
    const std::uint64_t count = *suffix < size ? *suffix : size;
    return {RangeKind::satisfiable, {size - count, size - 1}};
  }
  const auto first = parse_number(first_text);
  if (!first) return {};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto parsed = parse_number(last_text);
    if (!parsed || *parsed < *first) return {};
    if (*parsed < last) last = *parsed;
  }
  if (*first >= size) return {RangeKind::unsatisfiable, {}};
  return {RangeKind::satisfiable, {*first, last}};
}

}  // namespace tidecast::http

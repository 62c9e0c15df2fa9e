#pragma once
// ASCII case-insensitive comparison for header names, tokens and media types.
// Used instead of boost::beast::iequals, which in Boost 1.81 reads one byte
// past the end of both strings once a case difference is seen (found by
// fuzz_multipart under ASan: a Content-Type ending at the end of its buffer).
#include <string_view>

namespace tidecast::http {

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace tidecast::http

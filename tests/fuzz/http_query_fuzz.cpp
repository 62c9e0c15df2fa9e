// libFuzzer target for the query-string parser (parse_query in
// src/http/path.*). Oracles: keys are non-empty and NUL-free; nothing decodes
// longer than its source; a query built back from the result (every byte
// escaped) parses to the same map.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "http/path.hpp"

using tidecast::fuzz::check;
using namespace tidecast::http;

namespace {

std::string escape_all(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    out += '%';
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target = tidecast::fuzz::as_text(data, size);
  const auto query = parse_query(target);
  std::string rebuilt = "/p?";
  std::size_t total = 0;
  for (const auto& [key, value] : query) {
    check(!key.empty());
    check(key.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
    total += key.size() + value.size();
    rebuilt += escape_all(key) + "=" + escape_all(value) + "&";
  }
  check(total <= target.size());
  check(parse_query(rebuilt) == query);
  return 0;
}

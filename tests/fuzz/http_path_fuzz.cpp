// libFuzzer target for request-target normalisation and percent-decoding
// (src/http/path.*), the guard that keeps requests inside the served tree.
// Oracles: a normalised path is absolute, has no empty, "." or ".." segment,
// no backslash or control character, and its segments rejoin to itself;
// percent_decode never grows the text and never yields a NUL.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "http/path.hpp"

using tidecast::fuzz::check;
using namespace tidecast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target = tidecast::fuzz::as_text(data, size);
  if (const auto decoded = percent_decode(target)) {
    check(decoded->size() <= target.size());
    check(decoded->find('\0') == std::string::npos);
  }
  const auto path = normalize_path(target);
  if (!path) return 0;
  check(!path->empty() && path->front() == '/');
  check(path->find("//") == std::string::npos);
  check(path->size() == 1 || path->back() != '/');
  std::string rejoined;
  for (const std::string_view segment : split_path(*path)) {
    check(!segment.empty() && segment != "." && segment != "..");
    for (const char c : segment) {
      check(c != '\\' && c != '\0' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    }
    rejoined += '/';
    rejoined += segment;
  }
  check(rejoined.empty() ? *path == "/" : rejoined == *path);
  return 0;
}

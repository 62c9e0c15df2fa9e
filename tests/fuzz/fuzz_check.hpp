#pragma once
// Shared by the fuzz harnesses: an oracle failure aborts, which libFuzzer (and
// the corpus replay) report as a crash. Exceptions other than the ones a
// parser documents escape the harness and count as crashes too.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

namespace tidecast::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace tidecast::fuzz

// libFuzzer target for the tus 1.0 header parsers: Upload-Offset/-Length
// sizes, Upload-Metadata, and the base64 codec behind it. Byte 0 picks the
// parser, the rest is the header value.
// Oracles: a parsed size equals the decimal value of its digits; base64
// encode then decode is the identity; parsed metadata, encoded back, parses
// to the same map.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "http/tus.hpp"

using tidecast::fuzz::check;
namespace tus = tidecast::http::tus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view value = tidecast::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      if (const auto n = tus::parse_size(value)) {
        check(!value.empty() && value.size() <= 18);
        check(std::to_string(*n).size() <= value.size());
        std::uint64_t again = 0;
        for (const char c : value) again = again * 10 + static_cast<std::uint64_t>(c - '0');
        check(again == *n);
      }
      break;
    }
    case 1: {
      check(tus::base64_decode(tus::base64_encode(value)) == std::string(value));
      if (const auto decoded = tus::base64_decode(value)) check(decoded->size() <= value.size());
      break;
    }
    default: {
      const auto metadata = tus::parse_metadata(value);
      if (!metadata) break;
      std::string rebuilt;
      for (const auto& [key, bytes] : *metadata) {
        check(!key.empty() && key.find(' ') == std::string::npos && key.find(',') == std::string::npos);
        if (!rebuilt.empty()) rebuilt += ',';
        rebuilt += key;
        if (!bytes.empty()) rebuilt += ' ' + tus::base64_encode(bytes);
      }
      check(tus::parse_metadata(rebuilt) == metadata);
      break;
    }
  }
  return 0;
}

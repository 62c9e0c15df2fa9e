// libFuzzer target for the HTTP Range header parser. Input: 8 bytes of
// resource size (little endian; mostly small) then the header value.
// Oracle: a satisfiable range lies inside the resource; "none" and
// "unsatisfiable" carry no range.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "http/range.hpp"

using tidecast::fuzz::check;
using namespace tidecast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  std::uint64_t resource = 0;
  for (int i = 7; i >= 0; --i) resource = resource << 8 | data[i];
  if ((data[7] & 0x80) == 0) resource %= 1u << 20;  // mostly sizes near the offsets written in the header
  const RangeResult result = parse_range(tidecast::fuzz::as_text(data + 8, size - 8), resource);
  if (result.kind == RangeKind::satisfiable) {
    check(resource > 0);
    check(result.range.first <= result.range.last);
    check(result.range.last < resource);
    check(result.range.length() >= 1 && result.range.length() <= resource);
  } else {
    check(result.range.first == 0 && result.range.last == 0);
  }
  return 0;
}

// libFuzzer target for the AMF0 decoder alone: the input is one command/data
// message payload. Oracles: decoding never throws anything but ProtocolError;
// whatever decodes re-encodes to bytes that decode to the same values; a
// value-by-value decode with amf0_decode_one agrees with amf0_decode_all; the
// log rendering respects its length cap. Values are compared through their
// encoding, not operator==, since a NaN number never equals itself.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/protocol_error.hpp"

using namespace tidecast::rtmp;
using tidecast::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  std::vector<AmfValue> values;
  try {
    values = amf0_decode_all(in);
  } catch (const ProtocolError&) {
    // Rejected input: still decode value by value up to the bad one.
    std::size_t offset = 0;
    try {
      while (offset < size) {
        const std::size_t before = offset;
        (void)amf0_decode_one(in, offset);
        check(offset > before && offset <= size);
      }
    } catch (const ProtocolError&) {
    }
    return 0;
  }
  check(values.size() <= size);
  std::size_t offset = 0;
  for (const AmfValue& expected : values) {
    const AmfValue got = amf0_decode_one(in, offset);
    check(amf0_encode_all({got}) == amf0_encode_all({expected}));
  }
  check(offset == size);

  const std::vector<std::uint8_t> encoded = amf0_encode_all(values);
  const std::vector<AmfValue> again = amf0_decode_all(encoded);
  check(again.size() == values.size());
  check(amf0_encode_all(again) == encoded);
  for (const AmfValue& v : values) {
    check(amf0_to_string(v, 64).size() <= 64 + 3);
    (void)v.get("app");
    (void)v.string_or("tcUrl", "");
    (void)v.number_or("duration", 0);
  }
  return 0;
}

// libFuzzer target for the PROXY protocol header parser (core/proxy_protocol.hpp).
// Oracles: a complete header never claims more bytes than it was given and
// stays within the size bounds of its version; parsing is decided by the
// bytes the header takes (the same prefix parses the same way, whatever
// follows); an invalid result says why; the signature check agrees with parse.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/proxy_protocol.hpp"
#include "fuzz_check.hpp"

using tidecast::fuzz::check;
namespace pp = tidecast::core::proxy_protocol;
using Status = pp::ParseResult::Status;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const pp::ParseResult result = pp::parse(input);
  const pp::Signature signature = pp::match_signature(input);
  if (signature == pp::Signature::none) check(result.status == Status::invalid);
  if (result.status == Status::invalid) check(!result.error.empty());
  if (result.status == Status::need_more) {
    // Never waits past the bounds: a v1 line within 107 bytes, a v2 header within kMaxV2Bytes.
    check(size < pp::kMaxV2Bytes);
    if (signature == pp::Signature::v1) check(size < pp::kMaxV1Bytes);
  }
  if (result.status == Status::complete) {
    const pp::Header& header = result.header;
    check(header.size <= size);
    check(header.version == 1 || header.version == 2);
    check(header.version == 1 ? header.size <= pp::kMaxV1Bytes : header.size <= pp::kMaxV2Bytes);
    check(header.version == 1 ? signature == pp::Signature::v1 : signature == pp::Signature::v2);
    check(header.source.has_value() == header.destination.has_value());
    const pp::ParseResult again = pp::parse(input.first(header.size));
    check(again.status == Status::complete && again.header.size == header.size &&
          again.header.source == header.source && again.header.destination == header.destination);
  }
  return 0;
}

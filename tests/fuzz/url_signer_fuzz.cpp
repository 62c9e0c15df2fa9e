// libFuzzer target for the signed-URL verifier (core::UrlSigner::verify): the
// path segment "~<expiry>-<sig>" and the prefix come from the input.
//
// Input layout: byte 0 = length of the prefix (mod the rest), then the prefix,
// then the segment.
//
// Oracles besides the sanitizers: verify never says ok for a segment other than
// the one the signer itself makes for that prefix and expiry, and a segment the
// signer makes always verifies before its expiry and not after.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/url_signer.hpp"

namespace {

using tidecast::core::SignatureCheck;
using tidecast::core::UrlSigner;

const UrlSigner& signer() {
  static const UrlSigner instance(std::string(32, '\x5a'));
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = input.empty() ? 0 : data[0] % (input.size() + 1);
  const std::string_view prefix = input.substr(0, split);
  const std::string_view segment = input.substr(split);
  constexpr std::int64_t now = 1'700'000'000;

  const SignatureCheck check = signer().verify(prefix, segment, now);
  if (check == SignatureCheck::ok) {
    // Only the canonical segment can verify: recover its expiry and compare.
    const std::size_t dash = segment.find('-');
    const std::int64_t expiry = std::strtoll(std::string(segment.substr(1, dash - 1)).c_str(), nullptr, 10);
    if (expiry <= now || signer().segment(prefix, expiry) != segment) std::abort();
  }
  // Round trip with an expiry taken from the input.
  std::int64_t expiry = 0;
  for (std::size_t i = 0; i < 4 && i < size; ++i) expiry = expiry * 256 + data[i];
  const std::string made = signer().segment(prefix, expiry);
  if (signer().verify(prefix, made, expiry - 1) != SignatureCheck::ok) std::abort();
  if (signer().verify(prefix, made, expiry) != SignatureCheck::expired) std::abort();
  return 0;
}

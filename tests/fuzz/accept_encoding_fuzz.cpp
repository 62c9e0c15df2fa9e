// libFuzzer target for Accept-Encoding negotiation (http/content_coding.hpp).
// Input: the header value. Oracle: the choice is identity or an available
// coding, for every combination of available codings; with none available it
// is identity; adding a coding never loses the other one if it is refused.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "http/content_coding.hpp"

using tidecast::fuzz::check;
using namespace tidecast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header = tidecast::fuzz::as_text(data, size);
  check(choose_content_coding(header, {}) == ContentCoding::identity);
  const ContentCoding gzip_only = choose_content_coding(header, {.gzip = true, .br = false});
  const ContentCoding br_only = choose_content_coding(header, {.gzip = false, .br = true});
  const ContentCoding both = choose_content_coding(header, {.gzip = true, .br = true});
  check(gzip_only != ContentCoding::br);
  check(br_only != ContentCoding::gzip);
  // br is taken whenever it was taken alone and gzip was not preferred to it.
  if (both == ContentCoding::identity)
    check(gzip_only == ContentCoding::identity && br_only == ContentCoding::identity);
  if (both == ContentCoding::br) check(br_only == ContentCoding::br);
  if (both == ContentCoding::gzip) check(gzip_only == ContentCoding::gzip);
  return 0;
}

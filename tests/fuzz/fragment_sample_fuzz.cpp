// libFuzzer target for package::first_sample (a CMAF media segment's first
// sample, read back from a recording's files). Oracle: it throws nothing,
// and a sample it finds is a non-empty range inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "package/fragment_sample.hpp"

using tidecast::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  if (const auto sample = tidecast::package::first_sample(in)) {
    check(!sample->empty());
    check(sample->data() >= data && sample->data() + sample->size() <= data + size);
  }
  return 0;
}

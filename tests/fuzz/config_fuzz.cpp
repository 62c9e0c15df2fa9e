// libFuzzer target for config parsing: JSON with comments over the embedded
// defaults, then validation. Oracle: every rejection is a ConfigError (no other
// exception type, no crash), and a config that parses also validates.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "tidecast/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const tidecast::Config config = tidecast::parse_config(tidecast::fuzz::as_text(data, size));
    tidecast::validate_config(config);
  } catch (const tidecast::ConfigError&) {
  }
  return 0;
}

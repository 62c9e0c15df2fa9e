#pragma once
// Wall-clock helpers shared by logs, manifests and the API.
#include <cstdint>
#include <string>

namespace tidecast::core {

// Milliseconds since the Unix epoch.
std::int64_t unix_now_ms();
// "2026-11-21T06:05:00.123Z" (ISO 8601, UTC, milliseconds).
std::string iso8601_utc_ms(std::int64_t unix_ms);

}  // namespace tidecast::core

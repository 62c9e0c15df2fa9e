#pragma once
// A 503 that clients and edges retry and never keep: Retry-After (seconds)
// and Cache-Control: no-store, a JSON error body. Callers add their own
// CORS and X-Served-By headers.
#include <string_view>

#include "http/message.hpp"

namespace tidecast::http {

Response make_unavailable(std::string_view code, std::string_view message, std::string_view retry_after = "1");

}  // namespace tidecast::http

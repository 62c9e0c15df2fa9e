#pragma once
#include <string_view>

namespace tidecast::http {

// Content-Type for a file name, by extension; application/octet-stream if unknown.
std::string_view mime_type_for(std::string_view path);

}  // namespace tidecast::http

#pragma once
// A response head as the bytes that go on the wire: the status line, the
// fields as set, the blank line. What Beast's serializer writes, without its
// buffer-sequence machinery: small in-memory responses (playlists, manifests,
// API answers) are sent as this text plus the body in one gather write.
#include <string>

#include "http/message.hpp"

namespace tidecast::http {

// Appends the head of `response` to `out` (which keeps its capacity across requests).
void append_head_text(const Response& response, std::string& out);

}  // namespace tidecast::http

#pragma once
// Bytes served many times (a live manifest until its next update) get their
// 200 head built once: the status line and the fixed fields as text. A plain
// GET is then answered with no field formatting or allocation: the session
// writes that text, any fields set on the response afterwards (Connection:
// close, a cluster's X-Served-By), the blank line, and the body.
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace tidecast::http {

struct OkHead {
  std::string_view content_type = {};
  std::uint64_t content_length = 0;
  std::string_view etag = {};           // quoted; may be empty
  std::string_view cache_control = {};  // may be empty
  bool cors = false;                    // Access-Control-Allow-Origin: *
};

// "HTTP/1.1 200 OK\r\n" and the fields serve_bytes() would set for a GET of
// the whole representation, each line ending in CRLF, without the blank line.
std::string ok_head_text(const OkHead& head);

// Whether the prebuilt head answers `request` as serve_bytes() would: a GET
// over HTTP/1.1 that is neither conditional nor partial.
bool takes_prebuilt_head(const Request& request);

// A 200 whose head is `head` (ok_head_text(), kept alive by body.owner).
Response prebuilt_response(BytesBody::value_type body, std::string_view head);

// The head of a prebuilt response as sent: its text, then the fields set on
// `response` itself, then the blank line (appended to `out`).
void append_prebuilt_head_text(const Response& response, std::string& out);

}  // namespace tidecast::http

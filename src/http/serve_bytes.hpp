#pragma once
// Answers a GET/HEAD for a known byte string with the conditional and partial
// semantics browsers and players rely on: ETag/If-None-Match -> 304,
// Range -> 206 or 416, HEAD -> headers only. Used for assets and segments;
// serve_file answers the same for a file on disk before reading any of it.
#include <memory>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace tidecast::http {

struct ServedBytes {
  BytesBody::value_type body;
  std::string_view content_type;
  std::string_view etag;           // with quotes, e.g. "\"abc\""; may be empty
  std::string_view cache_control;  // may be empty
};

Response serve_bytes(const Request& request, ServedBytes bytes);

struct ServedFile {
  std::shared_ptr<const OpenFile> file;  // its etag() is the validator
  std::string_view content_type;
  std::string_view cache_control;  // may be empty
};

// The body is a FileSpan: only the requested range is ever read, by the session.
Response serve_file(const Request& request, ServedFile file);

struct ServedPieces {
  std::shared_ptr<const void> owner;  // keeps the pieces alive
  std::vector<std::string_view> pieces;
  std::string_view content_type;
  std::string_view etag;
  std::string_view cache_control;
};

// The concatenation of `pieces`, never joined in memory (Range included).
Response serve_pieces(const Request& request, ServedPieces pieces);

// Strong ETag for content: quoted hex of a 64-bit FNV-1a hash plus the size.
std::string etag_for(std::string_view bytes);

}  // namespace tidecast::http

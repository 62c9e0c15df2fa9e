#pragma once
// A streaming multipart/form-data reader (RFC 7578): fed the body in chunks
// of any size, it reports each part's headers, then its data in pieces, then
// its end, holding only a delimiter's worth of bytes back. Used by
// POST /api/v1/videos so a multipart upload streams to disk like a raw one.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tidecast::http {

// The boundary parameter of a multipart Content-Type; nullopt when the type
// is not multipart/form-data or the boundary is missing or invalid.
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct MultipartPart {
  std::string name;      // Content-Disposition name=
  std::string filename;  // Content-Disposition filename= (empty for plain fields)
  std::string content_type;
};

class MultipartReader {
 public:
  struct Callbacks {
    std::function<void(const MultipartPart&)> on_part;
    // Returning false stops the reader (feed() then fails with that reason).
    std::function<bool(std::string_view data)> on_data;
    std::function<void()> on_part_end;
  };

  MultipartReader(std::string boundary, Callbacks callbacks);

  // False when the body is malformed or a callback refused; error() says why.
  bool feed(std::string_view data);
  // True once the closing delimiter has been read.
  bool finished() const { return state_ == State::epilogue; }
  const std::string& error() const { return error_; }

 private:
  enum class State { preamble, after_delimiter, headers, body, epilogue, failed };
  bool fail(std::string reason);
  bool parse_headers(std::string_view block);

  std::string delimiter_;  // "\r\n--" + boundary
  Callbacks callbacks_;
  State state_ = State::preamble;
  std::string pending_;
  std::string error_;
  MultipartPart part_;
};

}  // namespace tidecast::http

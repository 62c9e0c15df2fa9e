#include "http/serve_bytes.hpp"

#include <fmt/format.h>

#include "http/range.hpp"

namespace tidecast::http {

namespace {

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (etag.empty() || if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  // A comma-separated list; weak comparison (W/ prefix ignored) as RFC 9110 requires here.
  while (!if_none_match.empty()) {
    const std::size_t comma = if_none_match.find(',');
    std::string_view item = if_none_match.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string etag_for(std::string_view bytes) {
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return fmt::format("\"{:016x}-{:x}\"", hash, bytes.size());
}

namespace {

// Conditional and Range handling for a representation of `size` bytes;
// `slice(first, length)` makes the body of a 200 or 206.
template <class Slice>
Response answer(const Request& request, std::uint64_t size, std::string_view etag, std::string_view content_type,
                std::string_view cache_control, Slice slice) {
  const bool head = request.method() == Verb::head;
  auto finish = [&](Response res) {
    if (!etag.empty()) res.set(beast_http::field::etag, etag);
    if (!cache_control.empty()) res.set(beast_http::field::cache_control, cache_control);
    res.set(beast_http::field::accept_ranges, "bytes");
    if (head) {
      const auto length = BytesBody::size(res.body());
      res.body() = {};
      res.content_length(length);  // HEAD advertises the length it would send
    }
    return res;
  };

  if (etag_matches(request[beast_http::field::if_none_match], etag)) {
    Response res{Status::not_modified, 11};
    return finish(std::move(res));
  }

  const auto range_header = request[beast_http::field::range];
  const RangeResult range = range_header.empty() ? RangeResult{} : parse_range(range_header, size);
  if (range.kind == RangeKind::unsatisfiable) {
    Response res = make_text(Status::range_not_satisfiable, "");
    res.set(beast_http::field::content_range, fmt::format("bytes */{}", size));
    return finish(std::move(res));
  }
  if (range.kind == RangeKind::satisfiable) {
    Response res = make_response(Status::partial_content, slice(range.range.first, range.range.length()), content_type);
    res.set(beast_http::field::content_range, fmt::format("bytes {}-{}/{}", range.range.first, range.range.last, size));
    return finish(std::move(res));
  }
  return finish(make_response(Status::ok, slice(0, size), content_type));
}

}  // namespace

Response serve_bytes(const Request& request, ServedBytes bytes) {
  const std::uint64_t size = bytes.body.bytes.size();
  return answer(request, size, bytes.etag, bytes.content_type, bytes.cache_control,
                [&](std::uint64_t first, std::uint64_t length) {
                  if (first == 0 && length == size) return std::move(bytes.body);
                  return BytesBody::value_type{bytes.body.owner, bytes.body.bytes.substr(first, length)};
                });
}

Response serve_pieces(const Request& request, ServedPieces pieces) {
  std::uint64_t size = 0;
  for (const auto piece : pieces.pieces) size += piece.size();
  return answer(request, size, pieces.etag, pieces.content_type, pieces.cache_control,
                [&](std::uint64_t first, std::uint64_t length) {
                  BytesBody::value_type body;
                  body.pieces = std::make_shared<const PieceSpan>(
                      PieceSpan{.owner = pieces.owner, .pieces = pieces.pieces, .offset = first, .length = length});
                  return body;
                });
}

Response serve_file(const Request& request, ServedFile file) {
  return answer(request, file.file->size(), file.file->etag(), file.content_type, file.cache_control,
                [&](std::uint64_t first, std::uint64_t length) {
                  BytesBody::value_type body;
                  body.file =
                      std::make_shared<const FileSpan>(FileSpan{.file = file.file, .offset = first, .length = length});
                  return body;
                });
}

}  // namespace tidecast::http

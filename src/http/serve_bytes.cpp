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

Response serve_bytes(const Request& request, ServedBytes bytes) {
  const bool head = request.method() == Verb::head;
  const std::uint64_t size = bytes.body.bytes.size();

  auto finish = [&](Response res) {
    if (!bytes.etag.empty()) res.set(beast_http::field::etag, bytes.etag);
    if (!bytes.cache_control.empty()) res.set(beast_http::field::cache_control, bytes.cache_control);
    res.set(beast_http::field::accept_ranges, "bytes");
    if (head) {
      const auto length = res.body().bytes.size();
      res.body() = {};
      res.content_length(length);  // HEAD advertises the length it would send
    }
    return res;
  };

  if (etag_matches(request[beast_http::field::if_none_match], bytes.etag)) {
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
    BytesBody::value_type part{bytes.body.owner, bytes.body.bytes.substr(range.range.first, range.range.length())};
    Response res = make_response(Status::partial_content, std::move(part), bytes.content_type);
    res.set(beast_http::field::content_range, fmt::format("bytes {}-{}/{}", range.range.first, range.range.last, size));
    return finish(std::move(res));
  }
  return finish(make_response(Status::ok, std::move(bytes.body), bytes.content_type));
}

}  // namespace tidecast::http

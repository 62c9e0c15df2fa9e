#include "http/prebuilt_head.hpp"

#include <fmt/format.h>

#include "http/head_text.hpp"

namespace tidecast::http {

std::string ok_head_text(const OkHead& head) {
  std::string out = fmt::format("HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n", head.content_type,
                                head.content_length);
  if (!head.etag.empty()) out += fmt::format("ETag: {}\r\n", head.etag);
  if (!head.cache_control.empty()) out += fmt::format("Cache-Control: {}\r\n", head.cache_control);
  out += "Accept-Ranges: bytes\r\n";
  if (head.cors) out += "Access-Control-Allow-Origin: *\r\n";
  return out;
}

bool takes_prebuilt_head(const Request& request) {
  if (request.method() != Verb::get || request.version() != 11) return false;
  // Conditional and partial requests are answered by serve_bytes() (304, 206, 416).
  return request.find(beast_http::field::if_none_match) == request.end() &&
         request.find(beast_http::field::range) == request.end();
}

Response prebuilt_response(BytesBody::value_type body, std::string_view head) {
  Response res{Status::ok, 11};
  body.head = head;
  res.body() = std::move(body);
  return res;
}

void append_prebuilt_head_text(const Response& response, std::string& out) {
  out.append(response.body().head);
  append_fields_text(response, out);
}

}  // namespace tidecast::http

#include "http/head_text.hpp"

#include <algorithm>

namespace tidecast::http {

void append_head_text(const Response& response, std::string& out) {
  const unsigned version = response.version();
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
  out += ' ';
  const unsigned status = response.result_int();
  out += static_cast<char>('0' + status / 100 % 10);
  out += static_cast<char>('0' + status / 10 % 10);
  out += static_cast<char>('0' + status % 10);
  out += ' ';
  const auto reason = response.reason();
  out.append(reason.data(), reason.size());
  out += "\r\n";
  append_fields_text(response, out);
}

void append_fields_text(const Response& response, std::string& out) {
  for (const auto& field : response.base()) {
    const auto name = field.name_string();
    const auto value = field.value();
    out.append(name.data(), name.size());
    out += ": ";
    out.append(value.data(), value.size());
    out += "\r\n";
  }
  out += "\r\n";
}

void append_body_buffers(const BytesBody::value_type& body, std::vector<boost::asio::const_buffer>& out) {
  if (!body.pieces) {
    if (!body.bytes.empty()) out.emplace_back(body.bytes.data(), body.bytes.size());
    return;
  }
  const PieceSpan& span = *body.pieces;
  std::uint64_t skip = span.offset;
  std::uint64_t left = span.length;
  for (const std::string_view piece : span.pieces) {
    if (left == 0) break;
    if (skip >= piece.size()) {
      skip -= piece.size();
      continue;
    }
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size() - skip, left));
    out.emplace_back(piece.data() + skip, take);
    left -= take;
    skip = 0;
  }
}

void append_body_text(const BytesBody::value_type& body, std::string& out) {
  std::vector<boost::asio::const_buffer> buffers;
  append_body_buffers(body, buffers);
  for (const auto& buffer : buffers) out.append(static_cast<const char*>(buffer.data()), buffer.size());
}

}  // namespace tidecast::http

#pragma once
// A response head as the bytes that go on the wire: the status line, the
// fields as set, the blank line. What Beast's serializer writes, without its
// buffer-sequence machinery: small in-memory responses (playlists, manifests,
// API answers) are sent as this text plus the body in one gather write.
#include <boost/asio/buffer.hpp>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace tidecast::http {

// Appends the head of `response` to `out` (which keeps its capacity across requests).
void append_head_text(const Response& response, std::string& out);
// Appends only its fields ("Name: value" lines) and the blank line that ends the head.
void append_fields_text(const Response& response, std::string& out);

// Appends the buffers of an in-memory body (its bytes, or the requested span
// of its pieces) to `out`. Not for file, stream, deferred or upgrade bodies.
void append_body_buffers(const BytesBody::value_type& body, std::vector<boost::asio::const_buffer>& out);
// The same bytes appended to `out` as text (one buffer for a TLS write).
void append_body_text(const BytesBody::value_type& body, std::string& out);

}  // namespace tidecast::http

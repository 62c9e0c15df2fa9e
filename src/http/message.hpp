#pragma once
// Request/response types shared by the server, router and handlers, plus
// builders for the common responses. Handlers are plain functions from a
// Request to a Response: no sockets, easy to unit-test.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

#include "http/bytes_body.hpp"

namespace tidecast::http {

namespace beast_http = boost::beast::http;
using Status = beast_http::status;
using Verb = beast_http::verb;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<BytesBody>;

// Who sent a request (http/client_origin.hpp): the proxy headers of trusted
// proxies already applied. Everything keyed on the client uses `address`.
struct ClientInfo {
  std::string address;  // the client's IP as text: the TCP peer, or what a trusted proxy forwarded
  std::string peer;     // the TCP peer's IP (behind a proxy: the proxy's)
  bool secure = false;  // https: Tidecast's own TLS listener, or a trusted proxy's X-Forwarded-Proto
  std::string host;     // host[:port] the client asked for; empty when missing or malformed
};

// A body with Content-Type and Content-Length set.
Response make_response(Status status, BytesBody::value_type body, std::string_view content_type);
Response make_text(Status status, std::string text, std::string_view content_type = "text/plain; charset=utf-8");
Response make_json(Status status, const nlohmann::json& value);
// {"error": {"code": "...", "message": "..."}}
Response make_json_error(Status status, std::string_view code, std::string_view message);

}  // namespace tidecast::http

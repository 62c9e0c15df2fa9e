#pragma once
// Streaming request bodies. Routes registered with Router::add_streaming get
// the request head before any of the body has been read; they either refuse
// at once (auth, size, offsets) or hand back a BodySink that receives the
// body in chunks as it arrives (an upload file), so a body is never held
// whole in memory. The session enforces the route's size limit and a
// minimum transfer rate (see ServerLimits::min_stream_bytes_per_second).
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "http/message.hpp"

namespace tidecast::http {

using RequestHead = beast_http::request_header<>;

class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next bytes of the body. A returned response ends the request with it
  // (e.g. 507 when the disk is full); the connection then closes.
  virtual std::optional<Response> write(const char* data, std::size_t size) = 0;
  // The whole body has arrived: the response to send.
  virtual Response finish() = 0;
  // The client went away, stalled, or broke a limit before the end. What was
  // written so far is the sink's to keep (tus resumes from it) or discard.
  virtual void abort() noexcept = 0;
};

struct StreamStart {
  // Null: refuse with `response` without reading the body (the connection
  // closes afterwards, since the body is left unread).
  std::unique_ptr<BodySink> sink;
  Response response;
  // Bigger bodies get 413: at once from Content-Length, or when a chunked
  // body crosses it.
  std::uint64_t max_body_bytes = 0;

  static StreamStart refuse(Response response) {
    StreamStart start;
    start.response = std::move(response);
    return start;
  }
  static StreamStart accept(std::unique_ptr<BodySink> sink, std::uint64_t max_body_bytes) {
    StreamStart start;
    start.sink = std::move(sink);
    start.max_body_bytes = max_body_bytes;
    return start;
  }
};

// Given a request head: nullopt when the request is an ordinary one (its body
// is read into memory and it goes to the RequestHandler).
using StreamHandler = std::function<std::optional<StreamStart>(const RequestHead&, const ClientInfo&)>;

}  // namespace tidecast::http

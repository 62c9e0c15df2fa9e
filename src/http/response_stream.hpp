#pragma once
// Long-lived responses (Server-Sent Events). A handler returns
// make_stream_response(stream): the session sends the head with chunked
// transfer encoding, then writes whatever producers push() into the stream,
// one write in flight, until the producer ends it, the client goes away, the
// write deadline passes (a client that stops reading) or the server stops.
// The queue is bounded: a producer that outruns the client ends the stream
// (an EventSource reconnects and starts from a fresh snapshot), so a slow
// reader never makes the server hold unbounded memory.
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "http/message.hpp"

namespace tidecast::http {

class ResponseStream {
 public:
  struct Options {
    std::size_t max_queued_bytes = 256 * 1024;
    // Sent whenever this long passes without data (keeps proxies and NATs from
    // dropping the connection and lets the server notice a client that left).
    std::chrono::milliseconds heartbeat_interval{15000};
    std::string heartbeat = ": heartbeat\n\n";  // empty: none
    // Each push() is sent as one chunk of its own (a CMAF part per chunk),
    // never merged with the next.
    bool chunk_per_push = false;
  };

  ResponseStream() : ResponseStream(Options{}) {}
  explicit ResponseStream(Options options) : options_(std::move(options)) {}

  // Producer side, any thread. False once the stream is over (ended, client
  // gone, or this push overflowed the queue): the producer should forget it.
  bool push(std::string bytes);
  // The producer is done: queued bytes are still sent, then the response ends.
  void end();
  // The response cannot be completed (a segment that will not come): the
  // connection is closed without the final chunk, so the client sees a
  // broken response, never a short one that looks whole.
  void abort();
  bool closed() const;

  // Session side.
  struct Taken {
    std::string bytes;
    bool finished = false;  // nothing more will come: end the response after `bytes`
    bool aborted = false;   // close the connection now, without the final chunk
  };
  Taken take();
  // Called (from the pushing thread, outside the lock) whenever there is
  // something to take. Replaces any earlier callback.
  void on_ready(std::function<void()> wake);
  // The session is gone: later pushes fail.
  void detach();
  const Options& options() const { return options_; }

 private:
  const Options options_;
  mutable std::mutex mutex_;
  std::string queued_;
  std::deque<std::string> chunks_;  // chunk_per_push
  bool ended_ = false;
  bool aborted_ = false;   // no more pushes; finish after the queue drains
  bool detached_ = false;  // nobody reads any more
  std::function<void()> wake_;
};

// A 200 text/event-stream response backed by `stream`.
Response make_event_stream(std::shared_ptr<ResponseStream> stream);
// A 200 response of `content_type` backed by `stream` (chunked).
Response make_stream_response(std::shared_ptr<ResponseStream> stream, std::string_view content_type);

// What a session sends instead of streaming `streamed` (HEAD, or HTTP/1.0,
// which has no chunked encoding): for HEAD over HTTP/1.1 its head only; over
// HTTP/1.0 a 503 with Retry-After and no-store, never an empty 200 that
// carries the stream's cache headers (an HTTP/1.0 proxy would keep it for a
// year). The stream is detached; the connection closes after the answer.
Response unstreamed_answer(Response streamed, unsigned version);

// One Server-Sent Event: "event: <name>\ndata: <data>\n\n" (data must be one line, e.g. JSON).
std::string sse_event(std::string_view name, std::string_view data);

}  // namespace tidecast::http

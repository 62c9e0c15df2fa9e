#pragma once
// Internal to the HTTP server: the shared state and one connection's session,
// over plain TCP or TLS (the same code; the stream type is the only difference).
#include <atomic>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/connection_stream.hpp"
#include "core/session_registry.hpp"
#include "http/ascii.hpp"
#include "http/deadline_sweep.hpp"
#include "http/deferred_response.hpp"
#include "http/response_stream.hpp"
#include "http/server.hpp"
#include "http/upgrade.hpp"

namespace tidecast::http {

struct HttpServer::Shared {
  core::Logger& log;
  ServerLimits limits;
  RequestHandler handler;
  StreamHandler stream;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  core::SessionRegistry<core::Connection> sessions;
  RejectionCounter on_reject;  // may be empty
  // File bytes not in the page cache are read here before they are sent
  // (http/page_cache.hpp); null: the I/O thread reads them itself.
  boost::asio::thread_pool* disk = nullptr;
  std::atomic<std::uint64_t> cold_file_reads{0};
};

// HTTP/1.1 with "Expect: 100-continue": the client waits for a go-ahead before the body.
inline bool expects_continue(const RequestHead& head) {
  return head.version() == 11 && iequals(head[boost::beast::http::field::expect], "100-continue");
}

// Plain HTTP connections are a bare socket on their loop's own executor type
// (core/io_pool.hpp), not the type-erased any_io_executor of
// core::PlainStream: every read, write and timer of a request otherwise
// copies and destroys polymorphic executors (seen in the profile of the
// playlist benchmark). Nor a Beast basic_stream: its deadlines are a timer
// per read and per write; the sessions' deadlines are swept instead
// (http/deadline_sweep.hpp). An upgraded connection is handed on as a PlainStream.
using PlainHttpStream = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// Stream is PlainHttpStream (HTTP) or core::TlsStream (HTTPS). The members
// live in session.cpp (connection, request loop), session_write.cpp (writes
// of in-memory responses),
// session_body_stream.cpp (request bodies streamed to a sink),
// session_event_stream.cpp (long-lived responses) and session_file.cpp
// (file responses).
template <class Stream>
class Session : public core::Connection, public Swept, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = core::is_tls_stream<Stream>;

  // `tls` is the certificate context for HTTPS sessions, null for plain ones.
  // `client` is the peer or the client its PROXY header named; `preread` the
  // bytes already read after that header.
  Session(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& client, std::string preread,
          std::shared_ptr<HttpServer::Shared> shared, std::shared_ptr<boost::asio::ssl::context> tls);
  ~Session() override;
  void run();
  void request_close() override;

 private:
  auto& socket() {
    if constexpr (kTls) {
      return boost::beast::get_lowest_layer(stream_).socket();
    } else {
      return stream_;
    }
  }
  // Deadlines (Swept, http/deadline_sweep.hpp; TLS streams never arm their
  // Beast timers either): deadline_after() before each read or write; when it
  // passes, the loop's sweep closes the connection (deadline_passed) and the
  // operation in flight ends with an error that timed() reports as Beast's
  // timeout, so the handlers log and count it as before. Cleared while the
  // session waits for something other than its peer.
  void deadline_passed() override;
  boost::beast::error_code timed(boost::beast::error_code ec) const {
    return ec && timed_out_ ? boost::beast::error_code(boost::beast::error::timeout) : ec;
  }
  void on_handshake(boost::beast::error_code ec);
  using HeadParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;
  using BodyParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using StreamParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  void wait_for_request();
  void read_request();
  void on_header(boost::beast::error_code ec);
  // Answers a failed read (limits, timeouts, malformed input); false when ec is clear.
  bool handled_read_error(boost::beast::error_code ec);
  void on_read(boost::beast::error_code ec);
  // Streamed bodies (http/body_sink.hpp).
  void begin_stream(StreamStart start);
  void read_stream_body();
  void on_stream_read(boost::beast::error_code ec);
  void on_direct_read(boost::beast::error_code ec, std::size_t bytes);
  // Hands bytes to the sink; false when it refused (the response is on its way).
  bool deliver(const char* data, std::size_t size);
  void stream_failed(boost::beast::error_code ec);
  void finish_stream();
  void abort_stream() noexcept;
  // Sends "100 Continue" first when the client asked for it, then calls next.
  void continue_then(bool expect_continue, std::function<void()> next);
  void reply_and_close(Status status, std::string_view code, std::string_view message);
  // Sends a final response while (part of) the request body is still unread.
  void reply_unread(Response response);
  void write(Response response);
  void on_write(boost::beast::error_code ec, bool keep_alive);
  // Lingering close: stops sending, reads and discards what the client is
  // still sending for a moment, so it sees the response instead of a reset.
  void drain_and_close();
  void drain_some();
  void close();
  // Long-lived responses (http/response_stream.hpp): the head, then chunks as
  // the producer pushes them, one write in flight, a heartbeat timer.
  void begin_response_stream(Response response);
  void await_response(std::shared_ptr<DeferredResponse> deferred, const Request& request);
  void watch_for_close(std::shared_ptr<DeferredResponse> deferred);
  void on_stream_head(boost::beast::error_code ec);
  void arm_heartbeat();
  void pump();
  void on_stream_write(boost::beast::error_code ec);
  // File responses (http/open_file.hpp; session_file.cpp): the head, then the
  // span straight from the page cache with sendfile (plain) or in bounded
  // reads (TLS), one write in flight; the deadline restarts on progress, so a
  // long download is fine and a stalled reader is cut off.
  void begin_file_response(bool keep_alive);
  void send_file_part(bool keep_alive);
  void wait_writable(bool keep_alive);
  // False when the next `length` bytes must come from the disk first: they
  // are read on the disk pool and send_file_part() runs again after.
  bool file_bytes_ready(bool keep_alive, std::uint64_t length);
  void finish_file(bool keep_alive, boost::beast::error_code ec);
  // Hands the connection to an Upgrade (http/upgrade.hpp); the session then only holds its slot.
  void hand_over(std::shared_ptr<Upgrade> upgrade, Request request);

  // Memory: an idle keep-alive connection costs this object, its read buffer
  // (1 KB, session.cpp) and asio's and the kernel's socket state (measured:
  // docs/ARCHITECTURE.md, Serving viewers). Members only some requests need (uploads, 100
  // Continue, file and event-stream heads, heartbeats) are allocated when used.
  std::shared_ptr<boost::asio::ssl::context> tls_;  // outlives stream_, which refers to it
  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<HeadParser> head_parser_;
  std::optional<BodyParser> parser_;
  std::unique_ptr<StreamParser> stream_parser_;  // rare members on the heap: see "memory" below
  std::unique_ptr<BodySink> sink_;
  std::vector<char> chunk_;                        // receive buffer of the streamed body
  std::uint64_t window_bytes_ = 0;                 // streamed bytes since the deadline was last extended
  std::optional<std::uint64_t> direct_remaining_;  // Content-Length bodies: bytes still to read
  std::string stream_target_;                      // for logs
  std::unique_ptr<boost::beast::http::response<boost::beast::http::empty_body>> interim_;  // 100 Continue
  bool body_unread_ = false;  // close with drain_and_close()
  std::size_t drained_ = 0;
  std::shared_ptr<HttpServer::Shared> shared_;
  boost::asio::ip::address peer_;  // the TCP peer, or the client named by a trusted PROXY header
  std::string tls_preread_;        // the start of the TLS handshake, read with a PROXY header
  ClientInfo direct_;              // the peer as a client, computed once
  ClientInfo client_;              // the peer until a request head arrives, then that request's client
  std::uint64_t id_ = 0;
  bool first_request_ = true;
  bool reset_on_close_ = false;
  std::string head_text_;                          // the response head being written (capacity kept across requests)
  std::vector<boost::asio::const_buffer> gather_;  // head + body buffers of that write  // SO_LINGER 0 while a
                                                   // large response is written
  bool writing_ = false;
  bool closing_ = false;
  bool timed_out_ = false;  // the sweep closed the connection (deadline_passed)
  Response response_;       // the one write in flight
  std::shared_ptr<ResponseStream> out_stream_;
  std::unique_ptr<boost::beast::http::response_serializer<BytesBody>> serializer_;
  std::unique_ptr<boost::asio::steady_timer> heartbeat_;
  std::string chunk_out_;  // the chunk being written
  bool stream_finished_ = false;
  std::shared_ptr<const FileSpan> file_out_;  // the file span being sent
  std::uint64_t file_sent_ = 0;
  std::uint64_t file_cached_to_ = 0;                        // file offset up to which the bytes are known to be cached
  std::string file_chunk_;                                  // TLS: the chunk being written
  bool upgraded_ = false;                                   // stream_ was handed over: never touch it again
  std::weak_ptr<core::Connection> upgraded_to_;             // asked to close on server stop
  std::optional<typename Stream::executor_type> executor_;  // the strand, also after a hand-over
};

using PlainSession = Session<PlainHttpStream>;
using TlsSession = Session<core::TlsStream>;

}  // namespace tidecast::http

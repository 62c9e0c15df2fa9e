#include "http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include "http/ascii.hpp"
#include "http/client_origin.hpp"
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>

namespace tidecast::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr std::size_t kReadChunk = 4096;
constexpr std::size_t kStreamChunk = 256 * 1024;  // one disk write per chunk of a streamed body
constexpr std::size_t kMaxDrainBytes = 16 * 1024 * 1024;
constexpr auto kDrainTime = std::chrono::seconds(2);
}  // namespace

template <class Stream>
Session<Stream>::Session(net::ip::tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared,
                         std::shared_ptr<net::ssl::context> tls)
    : tls_(std::move(tls)), stream_(core::open_stream<Stream>(std::move(socket), tls_.get())), shared_(std::move(shared)) {
  beast::error_code ec;
  const auto remote = this->socket().remote_endpoint(ec);
  if (!ec) peer_ = remote.address();
  client_ = resolve_client(peer_, kTls, {}, {});  // no headers: the peer itself
  ++shared_->connections;
}

template <class Stream>
Session<Stream>::~Session() {
  abort_stream();
  if (out_stream_) out_stream_->detach();
  --shared_->connections;
  shared_->sessions.remove(id_);
}

template <class Stream>
void Session<Stream>::run() {
  id_ = shared_->sessions.add(this->weak_from_this());
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      self->tcp().expires_after(std::chrono::seconds(self->shared_->limits.request_timeout_seconds));
      self->stream_.async_handshake(net::ssl::stream_base::server,
                                    [self](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      self->wait_for_request();
    }
  });
}

template <class Stream>
void Session<Stream>::on_handshake(beast::error_code ec) {
  if (ec) {
    // Scanners, plain HTTP on the HTTPS port, clients that distrust the
    // certificate: common and harmless, so debug level; counted in metrics.
    shared_->log.debug("http", "tls handshake failed remote={} error=\"{}\"", client_.address, ec.message());
    if (shared_->on_reject) shared_->on_reject("tls_handshake");
    // OpenSSL recognises a plain-text request line; say which scheme to use
    // instead of a bare reset (what users hit after typing http://).
    if (ec.category() == net::error::get_ssl_category() && ERR_GET_REASON(ec.value()) == SSL_R_HTTP_REQUEST) {
      static constexpr std::string_view kPlainHttp =
          "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 50\r\n"
          "Connection: close\r\n\r\nThis port speaks HTTPS: use https:// in the URL.\r\n";
      tcp().expires_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
      return net::async_write(tcp(), net::buffer(kPlainHttp.data(), kPlainHttp.size()),
                              [self = this->shared_from_this()](beast::error_code, std::size_t) { self->close(); });
    }
    return close();
  }
  wait_for_request();
}

template <class Stream>
void Session<Stream>::request_close() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] {
    self->closing_ = true;
    // A long-lived response would never finish by itself: cut it now.
    if (!self->writing_ || self->out_stream_) self->close();
  });
}

// Waits for the first byte of the next request under the idle (keep-alive)
// deadline, then gives the whole request the stricter request deadline.
template <class Stream>
void Session<Stream>::wait_for_request() {
  if (closing_ || shared_->stopping) return close();
  if (buffer_.size() > 0) return read_request();
  const auto& limits = shared_->limits;
  tcp().expires_after(
      std::chrono::seconds(first_request_ ? limits.request_timeout_seconds : limits.idle_timeout_seconds));
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            if (ec) {
                              if (ec == beast::error::timeout) {
                                self->shared_->log.debug("http", "idle timeout remote={}", self->client_.address);
                              }
                              return self->close();
                            }
                            self->buffer_.commit(bytes);
                            self->read_request();
                          });
}

template <class Stream>
void Session<Stream>::read_request() {
  const auto& limits = shared_->limits;
  head_parser_.emplace();
  client_ = resolve_client(peer_, kTls, {}, {});  // the peer until this request's head is in
  head_parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  // The body limit depends on the route; it is checked once the head is in.
  head_parser_->body_limit(boost::none);
  body_unread_ = false;
  tcp().expires_after(std::chrono::seconds(limits.request_timeout_seconds));
  beast::http::async_read_header(
      stream_, buffer_, *head_parser_,
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

template <class Stream>
bool Session<Stream>::handled_read_error(beast::error_code ec) {
  using he = beast::http::error;
  if (!ec) return false;
  if (ec == he::end_of_stream || ec == net::error::operation_aborted) {
    close();
  } else if (ec == beast::error::timeout) {
    shared_->log.info("http", "request timeout remote={} limit_seconds={}", client_.address,
                      shared_->limits.request_timeout_seconds);
    if (shared_->on_reject) shared_->on_reject("request_timeout");
    close();
  } else if (ec == he::header_limit) {
    reply_and_close(Status::request_header_fields_too_large, "header_too_large", "request head too large");
  } else if (ec == he::body_limit) {
    reply_and_close(Status::payload_too_large, "body_too_large", "request body too large");
  } else if (ec.category() == beast::http::make_error_code(he::bad_target).category()) {
    reply_and_close(Status::bad_request, "bad_request", "malformed HTTP request");
  } else {
    close();
  }
  return true;
}

namespace {
bool expects_continue(const RequestHead& head) {
  return head.version() == 11 && iequals(head[beast::http::field::expect], "100-continue");
}
}  // namespace

template <class Stream>
void Session<Stream>::on_header(beast::error_code ec) {
  if (handled_read_error(ec)) return;
  const auto& head = head_parser_->get();
  // One resolution per request: the handlers and this request's log lines use it.
  client_ = resolve_client(peer_, kTls, head, shared_->limits.trusted_proxies);
  if (shared_->stream) {
    std::optional<StreamStart> start;
    try {
      start = shared_->stream(head, client_);
    } catch (const std::exception& e) {
      shared_->log.error("http", "stream handler failed path={} error=\"{}\"", std::string(head.target()), e.what());
      return reply_unread(make_json_error(Status::internal_server_error, "internal", "internal server error"));
    }
    if (start) return begin_stream(std::move(*start));
  }
  const auto length = head_parser_->content_length();
  if (length && *length > shared_->limits.max_body_bytes) {
    return reply_and_close(Status::payload_too_large, "body_too_large", "request body too large");
  }
  const bool expect = expects_continue(head) && !head_parser_->is_done();
  parser_.emplace(std::move(*head_parser_));
  head_parser_.reset();
  parser_->body_limit(shared_->limits.max_body_bytes);
  continue_then(expect, [this] {
    beast::http::async_read(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  });
}

template <class Stream>
template <class Next>
void Session<Stream>::continue_then(bool expect_continue, Next next) {
  if (!expect_continue) return next();
  interim_.emplace(Status::continue_, 11);
  beast::http::async_write(stream_, *interim_, [self = this->shared_from_this(), next](beast::error_code ec, std::size_t) {
    self->interim_.reset();
    if (ec) {
      self->abort_stream();
      return self->close();
    }
    self->tcp().expires_after(std::chrono::seconds(self->shared_->limits.request_timeout_seconds));
    next();
  });
}

template <class Stream>
void Session<Stream>::on_read(beast::error_code ec) {
  if (handled_read_error(ec)) return;

  Request request = parser_->release();
  parser_.reset();
  const bool keep_alive = request.keep_alive();
  Response response;
  try {
    response = shared_->handler(request, client_);
  } catch (const std::exception& e) {
    shared_->log.error("http", "handler failed path={} error=\"{}\"", std::string(request.target()), e.what());
    response = make_json_error(Status::internal_server_error, "internal", "internal server error");
  }
  shared_->log.debug("http", "request remote={} method={} target={} status={}", client_.address,
                     std::string(request.method_string()), std::string(request.target()), response.result_int());
  if (auto deferred = response.body().deferred) return await_response(std::move(deferred), request);
  response.version(request.version());
  if (auto stream = response.body().stream) {
    if (request.method() != Verb::head && request.version() == 11) return begin_response_stream(std::move(response));
    stream->detach();  // HEAD (or HTTP/1.0): the head only, no stream
    response.body().stream.reset();
    response.keep_alive(false);
    return write(std::move(response));
  }
  response.keep_alive(keep_alive && !closing_ && !shared_->stopping);
  write(std::move(response));
}

template <class Stream>
void Session<Stream>::await_response(std::shared_ptr<DeferredResponse> deferred, const Request& request) {
  // Nothing is read while the answer is pending (one request at a time); the
  // producer completes every deferred response, so the session cannot hang.
  deferred->on_complete([self = this->shared_from_this(), version = request.version(),
                         keep_alive = request.keep_alive()](Response response) mutable {
    net::post(self->stream_.get_executor(), [self, response = std::move(response), version, keep_alive]() mutable {
      if (!self->socket().is_open()) return;
      response.version(version);
      response.keep_alive(keep_alive && !self->closing_ && !self->shared_->stopping);
      self->write(std::move(response));
    });
  });
}

template <class Stream>
void Session<Stream>::begin_response_stream(Response response) {
  out_stream_ = response.body().stream;
  response_ = std::move(response);
  response_.body().stream.reset();
  response_.chunked(true);
  response_.keep_alive(false);  // the stream ends with the connection
  writing_ = true;
  serializer_.emplace(response_);
  tcp().expires_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  beast::http::async_write_header(stream_, *serializer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_stream_head(ec);
  });
}

template <class Stream>
void Session<Stream>::on_stream_head(beast::error_code ec) {
  writing_ = false;
  if (ec || closing_ || shared_->stopping) return close();
  heartbeat_.emplace(stream_.get_executor());
  arm_heartbeat();
  out_stream_->on_ready([weak = this->weak_from_this()] {
    if (auto self = weak.lock()) net::post(self->stream_.get_executor(), [self] { self->pump(); });
  });
  pump();
}

template <class Stream>
void Session<Stream>::arm_heartbeat() {
  heartbeat_->expires_after(out_stream_->options().heartbeat_interval);
  heartbeat_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
    if (ec || !self->out_stream_ || self->stream_finished_) return;
    self->out_stream_->push(self->out_stream_->options().heartbeat);
    self->arm_heartbeat();
  });
}

template <class Stream>
void Session<Stream>::pump() {
  if (!out_stream_ || writing_ || stream_finished_ || !socket().is_open()) return;
  auto taken = out_stream_->take();
  if (taken.bytes.empty() && !taken.finished) return;
  chunk_out_.clear();
  if (!taken.bytes.empty()) chunk_out_ = fmt::format("{:x}\r\n{}\r\n", taken.bytes.size(), taken.bytes);
  if (taken.finished) {
    chunk_out_ += "0\r\n\r\n";
    stream_finished_ = true;
  }
  writing_ = true;
  tcp().expires_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  net::async_write(stream_, net::buffer(chunk_out_),
                   [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_stream_write(ec); });
}

template <class Stream>
void Session<Stream>::on_stream_write(beast::error_code ec) {
  writing_ = false;
  if (ec == beast::error::timeout) {
    shared_->log.info("http", "write timeout remote={} limit_seconds={} (event stream)", client_.address,
                      shared_->limits.write_timeout_seconds);
    if (shared_->on_reject) shared_->on_reject("write_timeout");
  }
  if (ec || closing_ || stream_finished_) return close();
  pump();
}

template <class Stream>
void Session<Stream>::begin_stream(StreamStart start) {
  const auto& head = head_parser_->get();
  stream_target_ = std::string(head.target());
  if (!start.sink) {
    shared_->log.debug("http", "request remote={} method={} target={} status={} (body not read)", client_.address,
                       std::string(head.method_string()), stream_target_, start.response.result_int());
    if (head_parser_->is_done()) {
      start.response.keep_alive(head.keep_alive() && !closing_ && !shared_->stopping);
      return write(std::move(start.response));
    }
    return reply_unread(std::move(start.response));
  }
  const auto length = head_parser_->content_length();
  if (length && *length > start.max_body_bytes) {
    start.sink->abort();
    return reply_and_close(Status::payload_too_large, "body_too_large", "request body too large");
  }
  const bool expect = expects_continue(head) && !head_parser_->is_done();
  stream_parser_.emplace(std::move(*head_parser_));
  head_parser_.reset();
  stream_parser_->body_limit(start.max_body_bytes);
  sink_ = std::move(start.sink);
  chunk_.resize(kStreamChunk);
  window_bytes_ = 0;
  // With a Content-Length the body is read straight into chunk_, past the
  // parser (no copy, bigger reads); chunked bodies go through the parser.
  direct_remaining_.reset();
  if (!stream_parser_->chunked()) direct_remaining_ = stream_parser_->content_length().value_or(0);
  tcp().expires_after(std::chrono::seconds(shared_->limits.request_timeout_seconds));
  continue_then(expect, [this] { read_stream_body(); });
}

template <class Stream>
void Session<Stream>::read_stream_body() {
  if (direct_remaining_) {
    if (*direct_remaining_ == 0) return finish_stream();
    if (buffer_.size() > 0) {  // body bytes that arrived with the head
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer_.size(), *direct_remaining_));
      const bool more = deliver(static_cast<const char*>(buffer_.data().data()), n);
      buffer_.consume(n);
      *direct_remaining_ -= n;
      if (more) read_stream_body();
      return;
    }
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_.size(), *direct_remaining_));
    stream_.async_read_some(
        net::buffer(chunk_.data(), want),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) { self->on_direct_read(ec, bytes); });
    return;
  }
  if (stream_parser_->is_done()) return finish_stream();
  auto& body = stream_parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  beast::http::async_read_some(
      stream_, buffer_, *stream_parser_,
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_stream_read(ec); });
}

template <class Stream>
bool Session<Stream>::deliver(const char* data, std::size_t size) {
  std::optional<Response> stop;
  try {
    stop = sink_->write(data, size);
  } catch (const std::exception& e) {
    shared_->log.error("http", "body sink failed path={} error=\"{}\"", stream_target_, e.what());
    stop = make_json_error(Status::internal_server_error, "internal", "internal server error");
  }
  if (stop) {
    abort_stream();
    reply_unread(std::move(*stop));
    return false;
  }
  // Slow but steady uploads keep going; a trickle is cut at the deadline.
  const auto& limits = shared_->limits;
  window_bytes_ += size;
  if (window_bytes_ >= limits.min_stream_bytes_per_second * limits.request_timeout_seconds) {
    window_bytes_ = 0;
    tcp().expires_after(std::chrono::seconds(limits.request_timeout_seconds));
  }
  return true;
}

template <class Stream>
void Session<Stream>::stream_failed(beast::error_code ec) {
  abort_stream();
  if (ec == beast::error::timeout) {
    shared_->log.info("http", "upload stalled remote={} target={} min_bytes_per_second={}", client_.address,
                      stream_target_, shared_->limits.min_stream_bytes_per_second);
    return close();
  }
  if (ec == beast::http::error::body_limit) body_unread_ = true;
  if (!handled_read_error(ec)) close();
}

template <class Stream>
void Session<Stream>::on_direct_read(beast::error_code ec, std::size_t bytes) {
  if (!sink_) return close();  // aborted meanwhile (request_close)
  if (bytes > 0) {
    *direct_remaining_ -= bytes;
    if (!deliver(chunk_.data(), bytes)) return;
  }
  if (ec) return stream_failed(ec);
  read_stream_body();
}

template <class Stream>
void Session<Stream>::on_stream_read(beast::error_code ec) {
  if (ec == beast::http::error::need_buffer) ec = {};
  if (!sink_) return close();  // aborted meanwhile (request_close)
  const std::size_t got = chunk_.size() - stream_parser_->get().body().size;
  if (got > 0 && !deliver(chunk_.data(), got)) return;
  if (ec) return stream_failed(ec);
  read_stream_body();
}

template <class Stream>
void Session<Stream>::finish_stream() {
  const bool keep_alive = stream_parser_->get().keep_alive();
  const std::string method(stream_parser_->get().method_string());
  const unsigned version = stream_parser_->get().version();
  Response response;
  try {
    response = sink_->finish();
  } catch (const std::exception& e) {
    shared_->log.error("http", "body sink failed path={} error=\"{}\"", stream_target_, e.what());
    sink_->abort();
    response = make_json_error(Status::internal_server_error, "internal", "internal server error");
  }
  sink_.reset();
  stream_parser_.reset();
  std::vector<char>().swap(chunk_);
  shared_->log.debug("http", "request remote={} method={} target={} status={}", client_.address, method, stream_target_,
                     response.result_int());
  response.version(version);
  response.keep_alive(keep_alive && !closing_ && !shared_->stopping);
  write(std::move(response));
}

template <class Stream>
void Session<Stream>::abort_stream() noexcept {
  if (!sink_) return;
  sink_->abort();
  sink_.reset();
  std::vector<char>().swap(chunk_);
}

template <class Stream>
void Session<Stream>::reply_and_close(Status status, std::string_view code, std::string_view message) {
  shared_->log.info("http", "rejected remote={} status={} reason={}", client_.address, static_cast<int>(status), code);
  if (shared_->on_reject) shared_->on_reject(code);
  reply_unread(make_json_error(status, code, message));
}

template <class Stream>
void Session<Stream>::reply_unread(Response response) {
  body_unread_ = true;
  response.keep_alive(false);
  write(std::move(response));
}

template <class Stream>
void Session<Stream>::write(Response response) {
  writing_ = true;
  response_ = std::move(response);
  const bool keep_alive = response_.keep_alive();
  // Until the response is written, the write timeout must reset the connection:
  // a plain close leaves the kernel feeding its send buffer (megabytes) to a
  // slow reader for as long as that reader keeps reading.
  beast::error_code ignored;
  socket().set_option(net::socket_base::linger(true, 0), ignored);
  if (response_.body().file) return begin_file_response(keep_alive);
  tcp().expires_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  beast::http::async_write(stream_, response_,
                           [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                             self->on_write(ec, keep_alive);
                           });
}

template <class Stream>
void Session<Stream>::on_write(beast::error_code ec, bool keep_alive) {
  writing_ = false;
  response_ = {};
  if (!ec) {  // written: a later close is graceful again (the kernel delivers what it holds)
    beast::error_code ignored;
    socket().set_option(net::socket_base::linger(false, 0), ignored);
  }
  if (ec == beast::error::timeout) {
    shared_->log.info("http", "write timeout remote={} limit_seconds={}", client_.address,
                      shared_->limits.write_timeout_seconds);
    if (shared_->on_reject) shared_->on_reject("write_timeout");
  }
  if (!ec && body_unread_) return drain_and_close();
  if (ec || !keep_alive || closing_) return close();
  first_request_ = false;
  wait_for_request();
}

template <class Stream>
void Session<Stream>::drain_and_close() {
  beast::error_code ignored;
  socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  drained_ = 0;
  tcp().expires_after(kDrainTime);
  drain_some();
}

template <class Stream>
void Session<Stream>::drain_some() {
  buffer_.consume(buffer_.size());
  stream_.async_read_some(buffer_.prepare(kReadChunk * 16),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->drained_ += bytes;
                            if (ec || self->drained_ > kMaxDrainBytes) return self->close();
                            self->drain_some();
                          });
}

template <class Stream>
void Session<Stream>::close() {
  if (out_stream_) {
    out_stream_->detach();
    if (heartbeat_) heartbeat_->cancel();
  }
  beast::error_code ignored;
  socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

template class Session<core::PlainStream>;
template class Session<core::TlsStream>;

}  // namespace tidecast::http

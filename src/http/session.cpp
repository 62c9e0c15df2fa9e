#include "http/session.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <type_traits>

#include "http/ascii.hpp"
#include "http/client_origin.hpp"

namespace tidecast::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
// The read buffer of a connection waiting for its next request: most of what
// an idle keep-alive connection costs us, so small (nginx's
// client_header_buffer_size is 1 KB too). A larger head grows it for its
// request; one grown past kIdleBufferMax (a big head, a drained body) is
// given back before the next wait.
constexpr std::size_t kReadChunk = 1024;
constexpr std::size_t kIdleBufferMax = 8 * 1024;
template <class Stream>
Stream open_session_stream(net::ip::tcp::socket socket, net::ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, PlainHttpStream>) {
    // The socket's loop (core::IoPool::adopt), now by its concrete executor type.
    auto* loop = socket.get_executor().target<net::io_context::executor_type>();
    if (!loop) throw std::logic_error("http session: the socket is not on an io_context");
    beast::error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec || !socket.is_open()) return Stream(*loop);  // already gone: the session ends at its first read
    const auto handle = socket.release(ec);
    if (ec) return Stream(*loop);
    return Stream(*loop, protocol, handle);
  } else {
    return core::open_stream<Stream>(std::move(socket), tls);
  }
}

// The loop (core::IoPool) a session's executor belongs to.
template <class Executor>
net::io_context& loop_of(const Executor& executor) {
  if constexpr (std::is_same_v<Executor, net::io_context::executor_type>) {
    return executor.context();
  } else {
    const auto* loop = executor.template target<net::io_context::executor_type>();
    if (!loop) throw std::logic_error("http session: the socket is not on an io_context");
    return loop->context();
  }
}

}  // namespace

template <class Stream>
Session<Stream>::Session(net::ip::tcp::socket socket, const net::ip::tcp::endpoint& client, std::string preread,
                         std::shared_ptr<HttpServer::Shared> shared, std::shared_ptr<net::ssl::context> tls)
    : tls_(std::move(tls)),
      stream_(open_session_stream<Stream>(std::move(socket), tls_.get())),
      shared_(std::move(shared)) {
  peer_ = client.address();
  if constexpr (kTls) {
    tls_preread_ = std::move(preread);
  } else if (!preread.empty()) {  // the start of the first request
    const auto room = buffer_.prepare(preread.size());
    net::buffer_copy(room, net::buffer(preread));
    buffer_.commit(preread.size());
  }
  direct_ = direct_client(peer_, kTls);
  client_ = direct_;
  executor_.emplace(stream_.get_executor());
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
  DeadlineSweep::of(loop_of(*executor_)).watch(this->shared_from_this());
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      self->deadline_after(std::chrono::seconds(self->shared_->limits.request_timeout_seconds));
      // Variadic: Boost 1.74 constrains the buffered overload's handler as
      // void(error_code) but calls it with (error_code, bytes used).
      self->stream_.async_handshake(net::ssl::stream_base::server, net::buffer(self->tls_preread_),
                                    [self](beast::error_code ec, auto&&...) { self->on_handshake(self->timed(ec)); });
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
      deadline_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
      return net::async_write(socket(), net::buffer(kPlainHttp.data(), kPlainHttp.size()),
                              [self = this->shared_from_this()](beast::error_code, std::size_t) { self->close(); });
    }
    return close();
  }
  wait_for_request();
}

template <class Stream>
void Session<Stream>::request_close() {
  // Not stream_'s executor: the stream may have been handed over (hand_over).
  net::post(*executor_, [self = this->shared_from_this()] {
    if (self->upgraded_) {  // the connection that took the stream closes itself
      if (auto connection = self->upgraded_to_.lock()) connection->request_close();
      return;
    }
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
  if (buffer_.capacity() > kIdleBufferMax) buffer_.shrink_to_fit();
  const auto& limits = shared_->limits;
  deadline_after(std::chrono::seconds(first_request_ ? limits.request_timeout_seconds : limits.idle_timeout_seconds));
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            ec = self->timed(ec);
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
  client_ = direct_;  // the peer until this request's head is in
  head_parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  // The body limit depends on the route; it is checked once the head is in.
  head_parser_->body_limit(boost::none);
  body_unread_ = false;
  deadline_after(std::chrono::seconds(limits.request_timeout_seconds));
  // A request usually arrives whole in one read: its head is parsed here, as
  // async_read_header would first do, without that operation's completion
  // going through the loop's queue; only an incomplete head waits for more.
  if (buffer_.size() > 0) {
    beast::error_code ec;
    buffer_.consume(head_parser_->put(buffer_.data(), ec));
    if (ec != beast::http::error::need_more && (ec || head_parser_->is_header_done())) return on_header(ec);
  }
  beast::http::async_read_header(
      stream_, buffer_, *head_parser_,
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(self->timed(ec)); });
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

template <class Stream>
void Session<Stream>::on_header(beast::error_code ec) {
  if (handled_read_error(ec)) return;
  const auto& head = head_parser_->get();
  // One resolution per request: the handlers and this request's log lines use it.
  client_ = resolve_client(direct_, peer_, head, shared_->limits.trusted_proxies);
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
  if (parser_->is_done()) return on_read({});  // no body (a GET): nothing to read
  continue_then(expect, [this] {
    beast::http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(self->timed(ec)); });
  });
}

template <class Stream>
void Session<Stream>::continue_then(bool expect_continue, std::function<void()> next) {
  if (!expect_continue) return next();
  interim_ = std::make_unique<beast::http::response<beast::http::empty_body>>(Status::continue_, 11);
  beast::http::async_write(stream_, *interim_,
                           [self = this->shared_from_this(), next](beast::error_code ec, std::size_t) {
                             self->interim_.reset();
                             if (ec) {
                               self->abort_stream();
                               return self->close();
                             }
                             self->deadline_after(std::chrono::seconds(self->shared_->limits.request_timeout_seconds));
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
  if (shared_->log.enabled(core::LogLevel::debug)) {
    shared_->log.debug("http", "request remote={} method={} target={} status={}", client_.address,
                       std::string_view(request.method_string()), std::string_view(request.target()),
                       response.result_int());
  }
  if (auto deferred = response.body().deferred) return await_response(std::move(deferred), request);
  if (auto upgrade = response.body().upgrade) return hand_over(std::move(upgrade), std::move(request));
  response.version(request.version());
  if (auto stream = response.body().stream) {
    if (request.method() != Verb::head && request.version() == 11) return begin_response_stream(std::move(response));
    return write(unstreamed_answer(std::move(response), request.version()));  // HEAD: the head; HTTP/1.0: a 503
  }
  response.keep_alive(keep_alive && !closing_ && !shared_->stopping);
  write(std::move(response));
}

template <class Stream>
void Session<Stream>::await_response(std::shared_ptr<DeferredResponse> deferred, const Request& request) {
  // Nothing is read while the answer is pending (one request at a time); the
  // producer completes every deferred response, so the session cannot hang.
  clear_deadline();
  deferred->on_complete([self = this->shared_from_this(), version = request.version(),
                         keep_alive = request.keep_alive(),
                         head = request.method() == Verb::head](Response response) mutable {
    net::post(self->stream_.get_executor(),
              [self, response = std::move(response), version, keep_alive, head]() mutable {
                const auto stream = response.body().stream;
                if (!self->socket().is_open()) {
                  if (stream) stream->detach();
                  return;
                }
                response.version(version);
                // A stream (a relayed low-latency segment, cluster/segment_relay.hpp) as when answered at once.
                if (stream && !head && version == 11) return self->begin_response_stream(std::move(response));
                if (stream) return self->write(unstreamed_answer(std::move(response), version));
                response.keep_alive(keep_alive && !self->closing_ && !self->shared_->stopping);
                self->write(std::move(response));
              });
  });
  watch_for_close(std::move(deferred));
}

template <class Stream>
void Session<Stream>::watch_for_close(std::shared_ptr<DeferredResponse> deferred) {
  // A held response (an LL-HLS blocking request) may wait a while: a client
  // that closes meanwhile cancels it, so the producer forgets it at once.
  // Data instead of EOF (a pipelined request, TLS records) is left unread.
  socket().async_wait(net::socket_base::wait_read, [self = this->shared_from_this(),
                                                    deferred = std::move(deferred)](beast::error_code ec) {
    if (ec) return deferred->cancel();
    char byte = 0;
    const ssize_t peeked = ::recv(self->socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    // End of stream, or reset: the client is gone.
    if (peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      deferred->cancel();
    }
  });
}

template <class Stream>
void Session<Stream>::hand_over(std::shared_ptr<Upgrade> upgrade, Request request) {
  // The request deadline no longer applies; the new protocol sets its own.
  clear_deadline();
  upgraded_ = true;
  if constexpr (kTls) {
    upgraded_to_ = upgrade->start(std::move(stream_), std::move(request), this->shared_from_this());
  } else {
    // The protocol taking over gets the stream type every plain connection has.
    upgraded_to_ = upgrade->start(core::PlainStream(net::ip::tcp::socket(std::move(stream_))), std::move(request),
                                  this->shared_from_this());
  }
}

template <class Stream>
void Session<Stream>::deadline_passed() {
  if (upgraded_) return;
  timed_out_ = true;
  close();  // as Beast's stream timer does: the operation in flight ends with an error
}

template <class Stream>
void Session<Stream>::close() {
  if (upgraded_) return;
  clear_deadline();
  if (out_stream_) {
    out_stream_->detach();
    if (heartbeat_) heartbeat_->cancel();
  }
  beast::error_code ignored;
  // A response cut short is reset, not drained (see write()).
  if (reset_on_close_) socket().set_option(net::socket_base::linger(true, 0), ignored);
  socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

template class Session<PlainHttpStream>;
template class Session<core::TlsStream>;

}  // namespace tidecast::http

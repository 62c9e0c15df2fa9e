// The write path of Session (declared in session.hpp): in-memory responses
// (a prebuilt head, or the head as text, plus the body in one gather write),
// what follows a write, and the lingering close after an unread body.
#include <sys/socket.h>

#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

#include "http/head_text.hpp"
#include "http/prebuilt_head.hpp"
#include "http/session.hpp"

namespace tidecast::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr std::size_t kReadChunk = 4096;
constexpr std::size_t kMaxDrainBytes = 16 * 1024 * 1024;
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr std::size_t kSmallResponseBytes = 64 * 1024;
}  // namespace

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
  // Until a large response is written, closing the connection must reset it
  // (close() sets SO_LINGER 0 then): a plain close leaves the kernel feeding
  // its send buffer (megabytes) to a slow reader for as long as that reader
  // keeps reading. A small one fits the send buffer.
  reset_on_close_ =
      response_.body().file || response_.body().stream || BytesBody::size(response_.body()) > kSmallResponseBytes;
  if (response_.body().file) return begin_file_response(keep_alive);
  deadline_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  if (!response_.body().head.empty()) {
    // A head built once for these bytes (http/prebuilt_head.hpp): no field
    // formatting, only the fields set on this response (if any) are added.
    head_text_.clear();
    append_prebuilt_head_text(response_, head_text_);
    gather_.clear();
    if constexpr (kTls) {
      // One buffer (see below): the head and the body, copied together.
      append_body_text(response_.body(), head_text_);
    }
    gather_.push_back(net::buffer(head_text_));
    if constexpr (!kTls) append_body_buffers(response_.body(), gather_);
    return net::async_write(stream_, gather_,
                            [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                              self->on_write(self->timed(ec), keep_alive);
                            });
  }
  if (!kTls && !response_.body().stream && !response_.chunked()) {
    // Bytes in memory: the head as text plus the body (or a low-latency
    // segment's parts), one gather write (plain TCP only: TLS costs are in the
    // cipher, and Beast's ssl_stream stalled on this several-buffer write).
    head_text_.clear();
    append_head_text(response_, head_text_);
    gather_.clear();
    gather_.push_back(net::buffer(head_text_));
    append_body_buffers(response_.body(), gather_);
    return net::async_write(stream_, gather_,
                            [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                              self->on_write(self->timed(ec), keep_alive);
                            });
  }
  beast::http::async_write(stream_, response_,
                           [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                             self->on_write(self->timed(ec), keep_alive);
                           });
}

template <class Stream>
void Session<Stream>::on_write(beast::error_code ec, bool keep_alive) {
  writing_ = false;
  response_ = {};
  if (!ec) reset_on_close_ = false;  // written: a later close is graceful (the kernel delivers what it holds)
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
  deadline_after(kDrainTime);
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

template void Session<PlainHttpStream>::reply_and_close(Status, std::string_view, std::string_view);
template void Session<PlainHttpStream>::reply_unread(Response);
template void Session<PlainHttpStream>::write(Response);
template void Session<PlainHttpStream>::on_write(boost::beast::error_code, bool);
template void Session<PlainHttpStream>::drain_and_close();
template void Session<PlainHttpStream>::drain_some();
template void Session<core::TlsStream>::reply_and_close(Status, std::string_view, std::string_view);
template void Session<core::TlsStream>::reply_unread(Response);
template void Session<core::TlsStream>::write(Response);
template void Session<core::TlsStream>::on_write(boost::beast::error_code, bool);
template void Session<core::TlsStream>::drain_and_close();
template void Session<core::TlsStream>::drain_some();

}  // namespace tidecast::http

// Long-lived responses of Session (declared in session.hpp): the head with
// chunked encoding, then whatever the producer pushes, one write in flight,
// with a heartbeat while it is quiet.
#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/session.hpp"

namespace tidecast::http {

namespace net = boost::asio;
namespace beast = boost::beast;

template <class Stream>
void Session<Stream>::begin_response_stream(Response response) {
  out_stream_ = response.body().stream;
  response_ = std::move(response);
  response_.body().stream.reset();
  response_.chunked(true);
  response_.keep_alive(false);  // the stream ends with the connection
  writing_ = true;
  serializer_ = std::make_unique<beast::http::response_serializer<BytesBody>>(response_);
  deadline_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  beast::http::async_write_header(
      stream_, *serializer_,
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_stream_head(self->timed(ec)); });
}

template <class Stream>
void Session<Stream>::on_stream_head(beast::error_code ec) {
  writing_ = false;
  clear_deadline();  // until the producer has more: a quiet stream is fine
  if (ec || closing_ || shared_->stopping) return close();
  heartbeat_ = std::make_unique<net::steady_timer>(stream_.get_executor());
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
    if (self->out_stream_->options().heartbeat.empty()) return;  // none (media)
    self->out_stream_->push(self->out_stream_->options().heartbeat);
    self->arm_heartbeat();
  });
}

template <class Stream>
void Session<Stream>::pump() {
  if (!out_stream_ || writing_ || stream_finished_ || !socket().is_open()) return;
  auto taken = out_stream_->take();
  if (taken.aborted) return close();
  if (taken.bytes.empty() && !taken.finished) return;
  chunk_out_.clear();
  if (!taken.bytes.empty()) chunk_out_ = fmt::format("{:x}\r\n{}\r\n", taken.bytes.size(), taken.bytes);
  if (taken.finished) {
    chunk_out_ += "0\r\n\r\n";
    stream_finished_ = true;
  }
  writing_ = true;
  deadline_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  net::async_write(
      stream_, net::buffer(chunk_out_),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_stream_write(self->timed(ec)); });
}

template <class Stream>
void Session<Stream>::on_stream_write(beast::error_code ec) {
  writing_ = false;
  clear_deadline();
  if (ec == beast::error::timeout) {
    shared_->log.info("http", "write timeout remote={} limit_seconds={} (event stream)", client_.address,
                      shared_->limits.write_timeout_seconds);
    if (shared_->on_reject) shared_->on_reject("write_timeout");
  }
  if (ec || closing_ || stream_finished_) return close();
  pump();
}

template void Session<PlainHttpStream>::begin_response_stream(Response);
template void Session<PlainHttpStream>::on_stream_head(boost::beast::error_code);
template void Session<PlainHttpStream>::arm_heartbeat();
template void Session<PlainHttpStream>::pump();
template void Session<PlainHttpStream>::on_stream_write(boost::beast::error_code);
template void Session<core::TlsStream>::begin_response_stream(Response);
template void Session<core::TlsStream>::on_stream_head(boost::beast::error_code);
template void Session<core::TlsStream>::arm_heartbeat();
template void Session<core::TlsStream>::pump();
template void Session<core::TlsStream>::on_stream_write(boost::beast::error_code);

}  // namespace tidecast::http

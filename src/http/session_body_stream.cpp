// Streamed request bodies of Session (declared in session.hpp): uploads go to
// a BodySink chunk by chunk, with a minimum rate, never whole into memory.
#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/session.hpp"

namespace tidecast::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr std::size_t kStreamChunk = 256 * 1024;  // one disk write per chunk of a streamed body
}  // namespace

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
  stream_parser_ = std::make_unique<StreamParser>(std::move(*head_parser_));
  head_parser_.reset();
  stream_parser_->body_limit(start.max_body_bytes);
  sink_ = std::move(start.sink);
  chunk_.resize(kStreamChunk);
  window_bytes_ = 0;
  // With a Content-Length the body is read straight into chunk_, past the
  // parser (no copy, bigger reads); chunked bodies go through the parser.
  direct_remaining_.reset();
  if (!stream_parser_->chunked()) direct_remaining_ = stream_parser_->content_length().value_or(0);
  deadline_after(std::chrono::seconds(shared_->limits.request_timeout_seconds));
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
    stream_.async_read_some(net::buffer(chunk_.data(), want),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
                              self->on_direct_read(self->timed(ec), bytes);
                            });
    return;
  }
  if (stream_parser_->is_done()) return finish_stream();
  auto& body = stream_parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  beast::http::async_read_some(
      stream_, buffer_, *stream_parser_,
      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_stream_read(self->timed(ec)); });
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
    deadline_after(std::chrono::seconds(limits.request_timeout_seconds));
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

template void Session<PlainHttpStream>::begin_stream(StreamStart);
template void Session<PlainHttpStream>::read_stream_body();
template bool Session<PlainHttpStream>::deliver(const char*, std::size_t);
template void Session<PlainHttpStream>::stream_failed(boost::beast::error_code);
template void Session<PlainHttpStream>::on_direct_read(boost::beast::error_code, std::size_t);
template void Session<PlainHttpStream>::on_stream_read(boost::beast::error_code);
template void Session<PlainHttpStream>::finish_stream();
template void Session<PlainHttpStream>::abort_stream() noexcept;
template void Session<core::TlsStream>::begin_stream(StreamStart);
template void Session<core::TlsStream>::read_stream_body();
template bool Session<core::TlsStream>::deliver(const char*, std::size_t);
template void Session<core::TlsStream>::stream_failed(boost::beast::error_code);
template void Session<core::TlsStream>::on_direct_read(boost::beast::error_code, std::size_t);
template void Session<core::TlsStream>::on_stream_read(boost::beast::error_code);
template void Session<core::TlsStream>::finish_stream();
template void Session<core::TlsStream>::abort_stream() noexcept;

}  // namespace tidecast::http

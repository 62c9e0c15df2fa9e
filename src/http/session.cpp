#include "http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>

namespace tidecast::http {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {
constexpr std::size_t kReadChunk = 4096;
}

Session::Session(net::ip::tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared)
    : stream_(std::move(socket)), shared_(std::move(shared)) {
  beast::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    client_.address = remote.address().to_string();
    client_.loopback = remote.address().is_loopback();
  }
  ++shared_->connections;
}

Session::~Session() {
  --shared_->connections;
  shared_->sessions.remove(id_);
}

void Session::run() {
  id_ = shared_->sessions.add(weak_from_this());
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
}

void Session::request_close() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (!self->writing_) self->close();
  });
}

// Waits for the first byte of the next request under the idle (keep-alive)
// deadline, then gives the whole request the stricter request deadline.
void Session::wait_for_request() {
  if (closing_ || shared_->stopping) return close();
  if (buffer_.size() > 0) return read_request();
  const auto& limits = shared_->limits;
  stream_.expires_after(
      std::chrono::seconds(first_request_ ? limits.request_timeout_seconds : limits.idle_timeout_seconds));
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
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

void Session::read_request() {
  const auto& limits = shared_->limits;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser_->body_limit(limits.max_body_bytes);
  stream_.expires_after(std::chrono::seconds(limits.request_timeout_seconds));
  beast::http::async_read(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void Session::on_read(beast::error_code ec) {
  using he = beast::http::error;
  if (ec == he::end_of_stream || ec == net::error::operation_aborted) return close();
  if (ec == beast::error::timeout) {
    shared_->log.info("http", "request timeout remote={} limit_seconds={}", client_.address,
                      shared_->limits.request_timeout_seconds);
    return close();
  }
  if (ec == he::header_limit) {
    return reply_and_close(Status::request_header_fields_too_large, "header_too_large", "request head too large");
  }
  if (ec == he::body_limit) return reply_and_close(Status::payload_too_large, "body_too_large", "request body too large");
  if (ec.category() == beast::http::make_error_code(he::bad_target).category()) {
    return reply_and_close(Status::bad_request, "bad_request", "malformed HTTP request");
  }
  if (ec) return close();

  Request request = parser_->release();
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
  response.version(request.version());
  response.keep_alive(keep_alive && !closing_ && !shared_->stopping);
  write(std::move(response));
}

void Session::reply_and_close(Status status, std::string_view code, std::string_view message) {
  shared_->log.info("http", "rejected remote={} status={} reason={}", client_.address, static_cast<int>(status), code);
  Response response = make_json_error(status, code, message);
  response.keep_alive(false);
  write(std::move(response));
}

void Session::write(Response response) {
  writing_ = true;
  response_ = std::move(response);
  const bool keep_alive = response_.keep_alive();
  stream_.expires_after(std::chrono::seconds(shared_->limits.write_timeout_seconds));
  beast::http::async_write(stream_, response_,
                           [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                             self->on_write(ec, keep_alive);
                           });
}

void Session::on_write(beast::error_code ec, bool keep_alive) {
  writing_ = false;
  response_ = {};
  if (ec == beast::error::timeout) {
    shared_->log.info("http", "write timeout remote={} limit_seconds={}", client_.address,
                      shared_->limits.write_timeout_seconds);
  }
  if (ec || !keep_alive || closing_) return close();
  first_request_ = false;
  wait_for_request();
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace tidecast::http

#include "http/response_stream.hpp"

#include <fmt/format.h>

namespace tidecast::http {

bool ResponseStream::push(std::string bytes) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (ended_ || detached_) return false;
    if (queued_.size() + bytes.size() > options_.max_queued_bytes) {
      ended_ = true;  // the reader fell behind: end the stream after what is queued
    } else {
      queued_ += bytes;
    }
    wake = wake_;
  }
  if (wake) wake();
  return !closed();
}

void ResponseStream::end() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = true;
    wake = wake_;
  }
  if (wake) wake();
}

bool ResponseStream::closed() const {
  std::lock_guard lock(mutex_);
  return ended_ || detached_;
}

ResponseStream::Taken ResponseStream::take() {
  std::lock_guard lock(mutex_);
  Taken taken;
  taken.bytes.swap(queued_);
  taken.finished = ended_ || detached_;
  return taken;
}

void ResponseStream::on_ready(std::function<void()> wake) {
  std::function<void()> now;
  {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
    if (!queued_.empty() || ended_) now = wake_;
  }
  if (now) now();
}

void ResponseStream::detach() {
  std::lock_guard lock(mutex_);
  detached_ = true;
  wake_ = nullptr;
  queued_.clear();
}

Response make_event_stream(std::shared_ptr<ResponseStream> stream) {
  Response response{Status::ok, 11};
  response.set(beast_http::field::content_type, "text/event-stream; charset=utf-8");
  response.set(beast_http::field::cache_control, "no-store");
  response.set("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  response.body().stream = std::move(stream);
  return response;
}

std::string sse_event(std::string_view name, std::string_view data) {
  return fmt::format("event: {}\ndata: {}\n\n", name, data);
}

}  // namespace tidecast::http

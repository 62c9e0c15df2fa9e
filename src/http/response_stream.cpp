#include "http/response_stream.hpp"

#include <fmt/format.h>

#include "http/unavailable.hpp"

namespace tidecast::http {

bool ResponseStream::push(std::string bytes) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (ended_ || detached_) return false;
    std::size_t queued = queued_.size();
    for (const auto& chunk : chunks_) queued += chunk.size();
    if (queued + bytes.size() > options_.max_queued_bytes) {
      ended_ = true;  // the reader fell behind: end the stream after what is queued
      // A chunk-per-push response is media: a cut one must not look whole.
      if (options_.chunk_per_push) aborted_ = true;
    } else if (options_.chunk_per_push) {
      if (!bytes.empty()) chunks_.push_back(std::move(bytes));
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

void ResponseStream::abort() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    if (aborted_ || detached_) return;
    ended_ = aborted_ = true;
    queued_.clear();
    chunks_.clear();
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
  taken.aborted = aborted_;
  if (aborted_) return taken;
  if (!chunks_.empty()) {
    taken.bytes = std::move(chunks_.front());
    chunks_.pop_front();
  } else {
    taken.bytes.swap(queued_);
  }
  taken.finished = (ended_ || detached_) && chunks_.empty();
  return taken;
}

void ResponseStream::on_ready(std::function<void()> wake) {
  std::function<void()> now;
  {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
    if (!queued_.empty() || !chunks_.empty() || ended_) now = wake_;
  }
  if (now) now();
}

void ResponseStream::detach() {
  std::lock_guard lock(mutex_);
  detached_ = true;
  wake_ = nullptr;
  queued_.clear();
  chunks_.clear();
}

Response make_event_stream(std::shared_ptr<ResponseStream> stream) {
  Response response{Status::ok, 11};
  response.set(beast_http::field::content_type, "text/event-stream; charset=utf-8");
  response.set(beast_http::field::cache_control, "no-store");
  response.set("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  response.body().stream = std::move(stream);
  return response;
}

Response make_stream_response(std::shared_ptr<ResponseStream> stream, std::string_view content_type) {
  Response response{Status::ok, 11};
  response.set(beast_http::field::content_type, content_type);
  response.set("X-Accel-Buffering", "no");  // nginx: pass each chunk on as it comes
  response.body().stream = std::move(stream);
  return response;
}

Response unstreamed_answer(Response streamed, unsigned version) {
  if (const auto stream = streamed.body().stream) stream->detach();
  streamed.body().stream.reset();
  if (version != 11) {
    // The segment (or event stream) is whole, or over, soon: the client asks again.
    Response refused =
        make_unavailable("http11_required", "this response is sent as it is made (chunked): ask with HTTP/1.1");
    for (const auto name : {"Access-Control-Allow-Origin", "X-Served-By"}) {
      if (const auto it = streamed.find(name); it != streamed.end()) refused.set(name, it->value());
    }
    streamed = std::move(refused);
  }
  streamed.version(version);
  streamed.keep_alive(false);
  return streamed;
}

std::string sse_event(std::string_view name, std::string_view data) {
  return fmt::format("event: {}\ndata: {}\n\n", name, data);
}

}  // namespace tidecast::http

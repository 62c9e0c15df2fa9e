#include "http/deferred_response.hpp"

namespace tidecast::http {

void DeferredResponse::complete(Response response) {
  std::function<void(Response)> ready;
  {
    std::lock_guard lock(mutex_);
    if (delivered_ || response_) return;
    if (!ready_) {
      response_ = std::move(response);
      return;
    }
    ready = std::move(ready_);
    delivered_ = true;
  }
  ready(std::move(response));
}

void DeferredResponse::on_complete(std::function<void(Response)> ready) {
  std::optional<Response> done;
  {
    std::lock_guard lock(mutex_);
    if (delivered_) return;
    if (!response_) {
      ready_ = std::move(ready);
      return;
    }
    done = std::move(response_);
    response_.reset();
    delivered_ = true;
  }
  ready(std::move(*done));
}

void DeferredResponse::on_cancel(std::function<void()> cancelled) {
  {
    std::lock_guard lock(mutex_);
    if (!was_cancelled_) {
      cancelled_ = std::move(cancelled);
      return;
    }
  }
  cancelled();
}

void DeferredResponse::cancel() {
  std::function<void()> cancelled;
  {
    std::lock_guard lock(mutex_);
    if (was_cancelled_ || delivered_ || response_) return;
    was_cancelled_ = true;
    cancelled = std::move(cancelled_);
  }
  if (cancelled) cancelled();
}

Response make_deferred_response(std::shared_ptr<DeferredResponse> deferred) {
  Response response;
  response.result(Status::ok);
  response.body().deferred = std::move(deferred);
  return response;
}

}  // namespace tidecast::http

#pragma once
// A response that is not ready when the handler returns: media another node
// is fetching (cluster pull), later a held low-latency playlist request. The
// handler returns make_deferred_response(d) at once, so no thread waits; the
// session writes the response the moment anyone calls d->complete() (any
// thread). The producer owns the deadline: it must complete every deferred
// response it hands out (with an error response on timeout or shutdown).
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "http/message.hpp"

namespace tidecast::http {

class DeferredResponse {
 public:
  // The first call wins; later ones are ignored.
  void complete(Response response);
  // Session side: `ready` runs once with the response (right away when it is
  // already complete), on the completing thread.
  void on_complete(std::function<void(Response)> ready);

  // Producer side: `cancelled` runs once (on the cancelling thread, or right
  // away) if the client goes away before the response is complete, so a
  // long hold (an LL-HLS blocking request) can be forgotten early.
  void on_cancel(std::function<void()> cancelled);
  // Session side: the client closed, so the producer may forget the request
  // (a later complete() is still handed to the session, which finds the
  // socket gone). No effect once a response was completed.
  void cancel();

 private:
  std::mutex mutex_;
  std::optional<Response> response_;
  std::function<void(Response)> ready_;
  std::function<void()> cancelled_;
  bool delivered_ = false;
  bool was_cancelled_ = false;
};

// A placeholder response that carries `deferred` to the session.
Response make_deferred_response(std::shared_ptr<DeferredResponse> deferred);

}  // namespace tidecast::http

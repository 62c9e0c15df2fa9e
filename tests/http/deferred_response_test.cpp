// DeferredResponse: complete once, and cancel (client gone) tells the producer
// only while nothing was completed.
#include "http/deferred_response.hpp"

#include <doctest/doctest.h>

using namespace tidecast;

TEST_CASE("deferred response: a cancel before completion reaches the producer once; after it, nothing") {
  http::DeferredResponse held;
  int cancelled = 0;
  held.on_cancel([&] { ++cancelled; });
  held.cancel();
  held.cancel();
  CHECK(cancelled == 1);
  int delivered = 0;

  http::DeferredResponse answered;
  answered.on_cancel([&] { ++cancelled; });
  answered.on_complete([&](http::Response) { ++delivered; });
  answered.complete(http::make_text(http::Status::ok, "x"));
  answered.cancel();  // the client closed after its answer: nothing to forget
  CHECK(delivered == 1);
  CHECK(cancelled == 1);

  http::DeferredResponse early;  // cancelled before the producer registered
  early.cancel();
  early.on_cancel([&] { ++cancelled; });
  CHECK(cancelled == 2);
}

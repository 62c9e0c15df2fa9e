// http::ResponseStream for media (chunk per push, abort): low-latency DASH
// sends each CMAF part as its own chunk and never ends a cut segment cleanly.
#include <doctest/doctest.h>

#include "http/response_stream.hpp"

using namespace tidecast;

namespace {

http::ResponseStream::Options media() {
  http::ResponseStream::Options options;
  options.chunk_per_push = true;
  options.heartbeat.clear();
  options.max_queued_bytes = 10;
  return options;
}

}  // namespace

TEST_CASE("a chunk-per-push stream hands out each push whole and alone, then finishes") {
  http::ResponseStream stream(media());
  int woken = 0;
  stream.on_ready([&] { ++woken; });
  CHECK(stream.push("abc"));
  CHECK(stream.push("de"));
  CHECK(stream.push(""));  // nothing to send
  stream.end();
  CHECK(woken == 4);
  auto taken = stream.take();
  CHECK(taken.bytes == "abc");
  CHECK_FALSE(taken.finished);
  taken = stream.take();
  CHECK(taken.bytes == "de");
  CHECK(taken.finished);
  CHECK_FALSE(taken.aborted);
}

TEST_CASE("a media stream that overflows or is aborted is cut without its end") {
  http::ResponseStream overflow(media());
  CHECK(overflow.push("0123456789"));
  CHECK_FALSE(overflow.push("x"));  // the reader fell behind
  CHECK(overflow.take().aborted);

  http::ResponseStream aborted(media());
  CHECK(aborted.push("abc"));
  aborted.abort();
  const auto taken = aborted.take();
  CHECK(taken.aborted);
  CHECK(taken.bytes.empty());
  CHECK_FALSE(aborted.push("more"));

  // Event streams still merge what is queued and end cleanly.
  http::ResponseStream events;
  events.push("a");
  events.push("b");
  events.end();
  const auto merged = events.take();
  CHECK(merged.bytes == "ab");
  CHECK(merged.finished);
  CHECK_FALSE(merged.aborted);
}

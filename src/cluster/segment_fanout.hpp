#pragma once
// One live segment relayed from its owner while it is being made (low-latency
// DASH through a node that does not own the channel, cluster/segment_relay.hpp):
// the chunks (one complete moof+mdat each) that came so far, and the viewers
// here that follow it. A viewer that joins late gets every chunk so far at
// once, then each new one as it comes; the chunk framing is kept (one push,
// one chunk). Pure state, no sockets: its owner calls it from one strand.
// Bounded: the segment's bytes (over them the relay fails rather than grow)
// and the viewers; each viewer's queue is bounded by its ResponseStream, a
// viewer that falls that far behind loses its response (aborted, never cut
// short silently) without slowing the others.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "http/response_stream.hpp"

namespace tidecast::cluster {

class SegmentFanout {
 public:
  struct Options {
    std::size_t max_bytes = 64u << 20;  // of one segment
    std::size_t max_viewers = 10'000;
  };
  enum class State { streaming, complete, failed };

  SegmentFanout() : SegmentFanout(Options{}) {}
  explicit SegmentFanout(Options options) : options_(options) {}

  // A new viewer's stream, every chunk so far queued on it (and ended at once
  // when the segment is complete); null once failed or with too many viewers.
  std::shared_ptr<http::ResponseStream> join();
  // A chunk from the owner, to every viewer. False: the segment went over
  // max_bytes, or was over already (failed: viewers aborted).
  bool add(std::string chunk);
  // The owner ended the response: every viewer's response ends after its
  // queued chunks. Returns the whole segment (the chunks joined).
  std::string complete();
  // The owner died, timed out or sent garbage mid-segment: every viewer's
  // connection closes without the final chunk, so no player takes the cut
  // segment for a whole one.
  void fail();

  State state() const { return state_; }
  std::size_t bytes() const { return bytes_; }
  std::size_t chunks() const { return chunks_.size(); }
  // Viewers still reading (pruned as chunks go out).
  std::size_t viewers() const { return viewers_.size(); }

 private:
  const Options options_;
  State state_ = State::streaming;
  std::vector<std::string> chunks_;
  std::size_t bytes_ = 0;
  std::vector<std::shared_ptr<http::ResponseStream>> viewers_;
};

}  // namespace tidecast::cluster

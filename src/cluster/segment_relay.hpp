#pragma once
// Low-latency DASH through a node that does not own the channel. The owner
// answers a segment it is still making part by part (chunked transfer, one
// moof+mdat per chunk, api/chunked_segment.hpp); a whole-body fetch through
// the pull cache would hand it on only once complete, a segment late. Here
// one upstream fetch per segment streams instead: each chunk goes on to every
// viewer here as it arrives (cluster/segment_fanout.hpp), a viewer that asks
// later gets the chunks so far at once and then follows, and the complete
// segment is kept in the pull cache for everyone after. A segment the owner
// answers whole (already complete), or refuses, is answered and kept exactly
// as the pull cache would.
//
// Bounded: one upstream connection per segment in flight, at most
// `max_segments` of them (past that, requests take the pull cache's whole
// fetch); one read in flight on the fetch's strand; the segment's bytes;
// each viewer's queue (a viewer that falls behind loses its response, not
// the others). Timeouts: the owner must say something within `idle_timeout`
// (it holds between parts for up to its hold limit) and finish within
// `total_timeout`. An owner that dies, stalls or sends garbage mid-segment
// closes every viewer's connection without the final chunk (as the owner
// itself does for a segment it cannot finish), so no player takes a cut
// segment for a whole one; the next request starts a fresh fetch.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "cluster/cluster_auth.hpp"
#include "cluster/pull_cache.hpp"
#include "core/log.hpp"
#include "http/message.hpp"

namespace tidecast::cluster {

struct SegmentRelayOptions {
  std::size_t max_segments = 64;      // streamed from owners at once
  std::size_t max_bytes = 32u << 20;  // of one segment (the owner's own bound)
  std::chrono::milliseconds idle_timeout{9000};
  std::chrono::milliseconds total_timeout{60000};
};

class SegmentRelay {
 public:
  // `cache` must outlive the io_context's handlers (as the pull client's do).
  SegmentRelay(boost::asio::io_context& ioc, const ClusterAuth& auth, PullCache& cache, core::Logger& log,
               SegmentRelayOptions options, PullCounters counters, std::string served_by);
  ~SegmentRelay();

  // Answers a GET of the segment at <base_url><upstream_target> (cached under
  // `key`): from the pull cache when it has it, else by joining or starting
  // the streamed fetch. HEAD, Range and conditional requests (and any past
  // max_segments) take the pull cache's whole fetch, with `fallback_timeout`.
  http::Response serve(const http::Request& request, const std::string& base_url, const std::string& upstream_target,
                       const std::string& key, std::chrono::milliseconds fallback_timeout);

  // Shutdown: every fetch in flight ends now (its viewers' responses are
  // cut, those still waiting get a 503); later requests take the pull
  // cache's whole fetch.
  void stop();

  // Segments being streamed from owners now.
  std::size_t in_flight() const;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace tidecast::cluster

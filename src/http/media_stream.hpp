#pragma once
// The stream of a media segment sent as it is made (LL-DASH: the owner's
// segment in progress, api/chunked_segment.hpp, and its relay on another
// node, cluster/segment_fanout.hpp): each push one chunk (a CMAF part), no
// heartbeat (a segment has no comment syntax), room for `max_queued_bytes`.
#include <cstddef>

#include "http/response_stream.hpp"

namespace tidecast::http {

inline ResponseStream::Options media_stream_options(std::size_t max_queued_bytes) {
  ResponseStream::Options options;
  options.max_queued_bytes = max_queued_bytes;
  options.heartbeat.clear();
  options.chunk_per_push = true;
  return options;
}

}  // namespace tidecast::http

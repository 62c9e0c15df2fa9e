#pragma once
// Low-latency DASH: a live segment requested while it is being made (the
// MPD lists it from its first part on, live/rendered_manifest.hpp with_open_segments) is
// answered at once with chunked transfer, one complete moof+mdat (part) per
// chunk, each chunk sent as its part completes; the response ends with the
// segment. The waits between parts are held requests of the channel
// (live::HeldRequests: no thread per waiter, the same caps, answered on the
// channel's strand, released on stream end and shutdown); a client that goes
// away is dropped at the next part. A segment that cannot be completed (the
// stream ended without it, shutdown, a part that never came) closes the
// connection without the final chunk, so it never looks whole.
#include <memory>
#include <optional>
#include <string_view>

#include "http/router.hpp"
#include "live/live_channel.hpp"

namespace tidecast::api {

// nullopt: `file` ("<track>/<period>-<index>.m4s") is not a segment of the
// snapshot's tracks that is open or about to open (the caller answers 404).
std::optional<http::Response> stream_open_segment(const http::RouteContext& context,
                                                  const std::shared_ptr<live::LiveChannel>& channel,
                                                  const live::LiveSnapshot& snapshot, std::string_view file,
                                                  std::string_view cache_control);

}  // namespace tidecast::api

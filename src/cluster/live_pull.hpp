#pragma once
// What a node that does not own a live channel asks the owner for. Only the
// low-latency query (_HLS_msn, _HLS_part, _HLS_skip: the one query /live
// reads) goes up, in one canonical spelling, so equal blocking requests from
// many viewers share one fetch and any other query string costs nothing.
// The owner may hold such a request (and a part or segment still being
// made) until the media exists, so its fetch gets a longer timeout.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tidecast::cluster {

struct LivePull {
  std::string target;                 // path + canonical low-latency query
  std::chrono::milliseconds timeout;  // 0: the pull client's own
  // The live MPD's name of a segment, which the owner may still be making
  // (then it answers part by part: cluster/segment_relay.hpp relays that).
  bool streamable = false;
};

// nullopt: a low-latency parameter that is not a number (or YES/v2 for
// _HLS_skip): the caller answers 400 itself, without a fetch.
// `hold_limit`: how long the owner holds a request before answering anyway.
std::optional<LivePull> live_pull_of(std::string_view target, std::chrono::milliseconds hold_limit);

}  // namespace tidecast::cluster

#pragma once
// A low-latency media playlist asked for without _HLS_msn (a player's first
// load) is answered the moment a part completes, not at a random point
// between two parts. A player takes the playlist's last part as the live
// edge as of the answer's first byte (hls.js: edge + age) and places its
// start PART-HOLD-BACK behind that; answered up to a part after the part
// completed, it starts up to a part further behind than it thinks, and at
// 1x it never makes that up: the joins of one stream differed by ~0.3 s
// (1/3-s parts) for no other reason. A playlist whose newest part is fresh
// is answered at once, and so is one of a track that has made no part for
// three part targets (a stalled publisher) or that the ladder shed;
// otherwise the request waits for the next part, three part targets at most
// (then, or when the track is shed meanwhile, the playlist as it is).
#include <cstdint>
#include <optional>
#include <string_view>

#include "live/held_requests.hpp"
#include "live/snapshot.hpp"

namespace tidecast::live {

// How recent the newest part must be for an answer at once: an eighth of
// the part target (~40 ms for 1/3-s parts).
std::int64_t fresh_part_ms(const LiveSnapshot& snapshot);

// What a plain request for `track`'s playlist waits for at `now_ms` (unix
// ms): the part after the track's newest one; none when it is answered at
// once (fresh, stalled, no parts, ended, not low latency, no such track).
std::optional<HoldTarget> wait_for_fresh_part(const LiveSnapshot& snapshot, std::string_view track,
                                              std::int64_t now_ms);

}  // namespace tidecast::live

#pragma once
// A channel's numbering as it continues from one presentation (and, in a
// cluster, from one owner) to the next: the media sequence number of the next
// segment, the HLS discontinuity sequence of the next period, and the lowest
// period id still unused. A single box starts every presentation from zero
// (period ids from the clock); a cluster's owner starts from what the
// channel's previous owner recorded in the shared catalog, so players see a
// discontinuity (HLS) / a new Period (DASH) instead of numbers going back.
#include <cstdint>
#include <optional>

#include "live/ports.hpp"

namespace tidecast::live {

struct Numbering {
  std::uint32_t media_sequence = 0;          // number of the next segment
  std::uint32_t discontinuity_sequence = 0;  // of the next period
  std::uint32_t period = 0;                  // the lowest period id not used yet
};

struct NumberingClaim {
  Numbering start;
  // False when another node published the channel since this node last did:
  // a presentation still waiting here for its publisher must not resume (its
  // numbers are below the other node's), a fresh one starts instead.
  bool resumable = true;
};

// Where a presentation's numbering starts (the cluster's lease row).
class NumberingSource {
 public:
  virtual ~NumberingSource() = default;
  // Called as a publish of `channel` is accepted; nullopt: start from zero.
  virtual std::optional<NumberingClaim> begin(const ChannelRef& channel) = 0;
};

}  // namespace tidecast::live

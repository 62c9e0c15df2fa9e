#pragma once
// Numbering that continues across a channel's owners. The owner records its
// channel's numbering on the lease row every second, reserved ahead by what
// it could still publish before it stops (killed: nothing more; paused or cut
// off: until it fences itself a lease lifetime after its last renewal, plus
// the media already queued), so the next owner starts with a media sequence
// above every segment the old one can have published, the next discontinuity
// sequence, and a period id never used (DASH: a new Period; every segment
// name stays unique cluster-wide). A new presentation claims its start the
// same way: it reads the row and reserves above it in one step, before its
// first segment.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/ownership.hpp"
#include "core/log.hpp"
#include "live/numbering.hpp"

namespace tidecast::cluster {

// The catalog's side (catalog::NumberingRepository, adapted by the
// composition root); both name this node's lease at `epoch`.
class NumberingStore {
 public:
  virtual ~NumberingStore() = default;
  // nullopt: this node does not hold the lease at `epoch`.
  virtual std::optional<live::Numbering> read(std::int64_t channel_id, std::int64_t epoch) = 0;
  // Raises the recorded values to at least `floor`; false: the lease is lost.
  virtual bool raise(std::int64_t channel_id, std::int64_t epoch, const live::Numbering& floor) = 0;
};

// What an owner keeps free above its current numbering.
struct NumberingReserve {
  std::uint32_t segments = 0;  // media sequence numbers
  std::uint32_t periods = 2;   // discontinuity sequence numbers (a reconnect or codec change)
  std::uint32_t seconds = 0;   // period ids are clock seconds: this far past this node's clock
};

NumberingReserve numbering_reserve(std::chrono::milliseconds lease_ttl, double segment_seconds,
                                   std::chrono::milliseconds record_interval);
// The floor to record for a channel whose numbering is `current`, at `clock_seconds`.
live::Numbering numbering_floor(const live::Numbering& current, const NumberingReserve& reserve,
                                std::uint32_t clock_seconds);

class LeaseNumbering : public live::NumberingSource {
 public:
  // `current`: the numbering of this node's presentation of a channel, if any.
  using Current = std::function<std::optional<live::Numbering>(const std::string& channel)>;
  using Clock = std::function<std::uint32_t()>;  // unix seconds (a test may set its own)

  LeaseNumbering(NumberingStore& store, LeaseKeeper& keeper, Current current, NumberingReserve reserve,
                 core::Logger& log, Clock clock = {});

  // Throws when this node does not hold the channel's lease (the publish is refused).
  std::optional<live::NumberingClaim> begin(const live::ChannelRef& channel) override;
  // Records the numbering of every channel this node owns (every second).
  void record_all();

 private:
  NumberingStore& store_;
  LeaseKeeper& keeper_;
  Current current_;
  NumberingReserve reserve_;
  core::Logger& log_;
  Clock clock_;
  std::mutex mutex_;
  std::map<std::int64_t, std::int64_t> claimed_epoch_;  // channel id -> the epoch of this node's last claim
};

}  // namespace tidecast::cluster

#pragma once
// LL-HLS blocking requests of one channel (RFC 8216bis 6.2.5.2): a playlist
// request with _HLS_msn/_HLS_part, or a preload-hinted part, that the
// snapshot cannot answer yet is held here (no thread waits: the caller hands
// in a callback that completes its deferred response) and answered from the
// first snapshot that can, on the channel's strand as each part completes.
// Requests that cannot be answered in time get `timeout` (the route answers
// 503); the end of the stream answers every playlist request (its playlist
// has EXT-X-ENDLIST); shutdown answers `released`. A client that went away
// is cancelled without an answer. Admission is capped per address and in
// total, so held requests cannot grow without bound.
//
// Not tied to the local channel: anything that can produce snapshots (or a
// future cluster relay that forwards the owner's answer) can drive update().
// Thread-safe: hold()/cancel() from io threads, update()/expire() from the
// channel's strand; callbacks run outside the lock.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "live/snapshot.hpp"

namespace tidecast::live {

// What a held request waits for.
struct HoldTarget {
  std::string track;                  // "v0", "a0", ...
  std::uint32_t msn = 0;              // _HLS_msn (playlist)
  std::optional<std::uint32_t> part;  // _HLS_part
  std::string file;                   // non-empty: a part file "<track>/<name>" (preload hint) instead
  // With `file`: the segment "<track>/<period>-<index>.m4s" that part belongs
  // to; its completion answers too (a chunked segment waits for its next
  // part or its end, api/chunked_segment.hpp).
  std::string segment;
  // A plain playlist request (no _HLS_msn) held for the next part only to be
  // fresh (live/fresh_playlist.hpp): answered at its own short deadline (three
  // part targets), and at once when the track is withdrawn.
  bool plain = false;
};

enum class HoldCheck {
  ready,        // the snapshot answers it now
  wait,         // hold it
  bad_request,  // impossible (spec: 400): too far ahead, unknown track
  gone,         // a part file that will never exist (404)
};

// The pure decision for `target` against `snapshot`.
HoldCheck check_hold(const LiveSnapshot& snapshot, const HoldTarget& target);

enum class HoldOutcome { ready, timeout, gone, released };

struct HoldLimits {
  std::size_t max_total = 20000;      // per channel
  std::size_t max_per_address = 200;  // per channel and client address
  // Held this long at most, then 503 (RFC 8216bis: three target durations;
  // LiveChannel sets that from its segment length).
  std::chrono::milliseconds timeout{6000};
};

class HeldRequests {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs exactly once per held request (unless cancelled), with the snapshot
  // that answers it (the latest one for timeout/released).
  using Callback = std::function<void(HoldOutcome, const std::shared_ptr<const LiveSnapshot>&)>;

  enum class Admission { held, ready, bad_request, gone, too_many_total, too_many_from_address };
  struct Admitted {
    Admission admission = Admission::held;
    std::uint64_t id = 0;                          // for cancel() when held
    std::shared_ptr<const LiveSnapshot> snapshot;  // the latest one (answers `ready`)
  };

  explicit HeldRequests(HoldLimits limits = {}) : limits_(limits) {}

  // Decides against the latest snapshot under the lock, so no update can slip
  // between the check and the hold.
  Admitted hold(HoldTarget target, const std::string& address, Callback callback, Clock::time_point now = Clock::now());
  // The client went away: forget it, no answer.
  void cancel(std::uint64_t id);
  // A new snapshot: answers what it can (ready, or gone for part files).
  void update(std::shared_ptr<const LiveSnapshot> snapshot, Clock::time_point now = Clock::now());
  // Answers `timeout` to requests held past the limit.
  void expire(Clock::time_point now = Clock::now());
  // Shutdown: answers everything `released`; later holds are refused as ready
  // (answered from the last snapshot).
  void release_all();

  std::size_t size() const;
  std::size_t held_from(const std::string& address) const;

 private:
  struct Waiter {
    HoldTarget target;
    std::string address;
    Clock::time_point deadline;
    Callback callback;
  };
  using Answer = std::pair<Callback, HoldOutcome>;
  void drop_locked(std::map<std::uint64_t, Waiter>::iterator it);
  static void run(std::vector<Answer>& answers, const std::shared_ptr<const LiveSnapshot>& snapshot);

  const HoldLimits limits_;
  mutable std::mutex mutex_;
  std::shared_ptr<const LiveSnapshot> latest_;
  std::map<std::uint64_t, Waiter> waiters_;
  std::map<std::string, std::size_t, std::less<>> per_address_;
  std::uint64_t next_id_ = 1;
  bool released_ = false;
};

}  // namespace tidecast::live

#include "live/held_requests.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>
#include <vector>

#include "package/hls_low_latency.hpp"

namespace tidecast::live {

namespace {

const package::TrackDescription* find_track(const LiveSnapshot& snapshot, std::string_view id) {
  for (const auto& track : snapshot.presentation.tracks) {
    if (track.id == id) return &track;
  }
  return nullptr;
}

bool parse_number(std::string_view text, std::uint32_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "<period>-<segment index>.<part index>.m4s" (package::PartEntry::file_name).
std::optional<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> parse_part_name(std::string_view name) {
  if (!name.ends_with(".m4s")) return std::nullopt;
  name.remove_suffix(4);
  const std::size_t dash = name.find('-');
  const std::size_t dot = name.find('.');
  if (dash == std::string_view::npos || dot == std::string_view::npos || dot < dash) return std::nullopt;
  std::uint32_t period = 0, segment = 0, part = 0;
  if (!parse_number(name.substr(0, dash), period) || !parse_number(name.substr(dash + 1, dot - dash - 1), segment) ||
      !parse_number(name.substr(dot + 1), part)) {
    return std::nullopt;
  }
  return std::tuple{period, segment, part};
}

HoldCheck check_part_file(const LiveSnapshot& snapshot, const package::TrackDescription& track, std::string_view file) {
  if (snapshot.files.contains(file)) return HoldCheck::ready;
  const auto slash = file.find('/');
  const auto name = parse_part_name(file.substr(slash == std::string_view::npos ? 0 : slash + 1));
  if (!name || track.parts.empty() || snapshot.presentation.ended) return HoldCheck::gone;
  const auto [period, segment, part] = *name;
  const package::PartEntry& newest = track.parts.back();
  if (period != newest.period) return HoldCheck::gone;
  // Only the next few parts can be waited for (the preload hint and a little beyond).
  if (std::pair(segment, part) <= std::pair(newest.segment_index, newest.index)) return HoldCheck::gone;
  const bool near = (segment == newest.segment_index && part <= newest.index + 2) ||
                    (segment == newest.segment_index + 1 && part <= 1);
  return near ? HoldCheck::wait : HoldCheck::gone;
}

// RFC 8216bis 6.2.5.2's Advance Part Limit: three seconds of parts (three
// parts when they are a second or longer).
double advance_part_limit(const package::Presentation& presentation) {
  const double target = presentation.part_target_seconds;
  return target > 0 && target < 1 ? 3 / target : 3;
}

// How many parts must still come before `target` exists (a lower bound when
// it is in a later segment: the rest of the newest one is not known yet).
double parts_ahead_at_least(const package::PartPosition& position, const HoldTarget& target) {
  if (target.msn < position.msn) return 0;
  const double newest = position.part ? *position.part : -1.0;
  if (target.msn == position.msn) return position.segment_complete ? 0 : *target.part - newest;
  return *target.part + 1.0;
}

}  // namespace

HoldCheck check_hold(const LiveSnapshot& snapshot, const HoldTarget& target) {
  const package::TrackDescription* track = find_track(snapshot, target.track);
  if (!track) return target.file.empty() ? HoldCheck::bad_request : HoldCheck::gone;
  if (!target.file.empty()) {
    if (!target.segment.empty() && snapshot.pieced_files.contains(target.segment)) return HoldCheck::ready;
    return check_part_file(snapshot, *track, target.file);
  }
  if (snapshot.presentation.ended) return HoldCheck::ready;  // EXT-X-ENDLIST answers everything
  if (target.plain && snapshot.withdrawn_tracks.contains(target.track)) return HoldCheck::ready;  // no part will come
  const auto position = package::last_position(*track);
  if (!position) return HoldCheck::bad_request;
  // RFC 8216bis 6.2.5.2: more than two segments ahead, or a part more than
  // the advance part limit past the newest one, is a 400 (held, it could
  // only time out).
  if (target.msn > position->msn + 2) return HoldCheck::bad_request;
  if (target.part && parts_ahead_at_least(*position, target) > advance_part_limit(snapshot.presentation)) {
    return HoldCheck::bad_request;
  }
  const bool complete = !track->segments.empty() && track->segments.back().number >= target.msn;
  if (complete) return HoldCheck::ready;
  if (target.part && position->part &&
      std::pair(position->msn, *position->part) >= std::pair(target.msn, *target.part)) {
    return HoldCheck::ready;
  }
  return HoldCheck::wait;
}

HeldRequests::Admitted HeldRequests::hold(HoldTarget target, const std::string& address, Callback callback,
                                          Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Admitted out;
  out.snapshot = latest_;
  if (released_) {
    out.admission = latest_ ? Admission::ready : Admission::gone;
    return out;
  }
  // No snapshot yet (the caller saw the channel's first one an instant before
  // it reached us): hold; the update right behind it decides.
  switch (latest_ ? check_hold(*latest_, target) : HoldCheck::wait) {
    case HoldCheck::ready:
      out.admission = Admission::ready;
      return out;
    case HoldCheck::bad_request:
      out.admission = Admission::bad_request;
      return out;
    case HoldCheck::gone:
      out.admission = Admission::gone;
      return out;
    case HoldCheck::wait:
      break;
  }
  if (waiters_.size() >= limits_.max_total) {
    out.admission = Admission::too_many_total;
    return out;
  }
  auto& from_address = per_address_[address];
  if (from_address >= limits_.max_per_address) {
    out.admission = Admission::too_many_from_address;
    return out;
  }
  ++from_address;
  out.id = next_id_++;
  auto wait = limits_.timeout;
  if (target.plain && latest_ && latest_->presentation.part_target_seconds > 0) {
    // A plain request waits for one part, not for the whole blocking-request limit.
    wait = std::min(wait, std::chrono::milliseconds(std::llround(3000 * latest_->presentation.part_target_seconds)));
  }
  waiters_.emplace(out.id, Waiter{std::move(target), address, now + wait, std::move(callback)});
  out.admission = Admission::held;
  return out;
}

void HeldRequests::drop_locked(std::map<std::uint64_t, Waiter>::iterator it) {
  const auto count = per_address_.find(it->second.address);
  if (count != per_address_.end() && --count->second == 0) per_address_.erase(count);
  waiters_.erase(it);
}

void HeldRequests::cancel(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = waiters_.find(id);
  if (it != waiters_.end()) drop_locked(it);
}

void HeldRequests::run(std::vector<Answer>& answers, const std::shared_ptr<const LiveSnapshot>& snapshot) {
  for (auto& [callback, outcome] : answers) callback(outcome, snapshot);
}

void HeldRequests::update(std::shared_ptr<const LiveSnapshot> snapshot, Clock::time_point now) {
  std::vector<Answer> answers;
  {
    std::lock_guard lock(mutex_);
    latest_ = snapshot;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      const HoldCheck check = check_hold(*snapshot, it->second.target);
      HoldOutcome outcome = HoldOutcome::ready;
      if (check == HoldCheck::wait) {
        if (it->second.deadline > now) {
          ++it;
          continue;
        }
        outcome = HoldOutcome::timeout;
      } else if (check != HoldCheck::ready) {
        outcome = HoldOutcome::gone;  // a part that will not come; a track that left
      }
      answers.emplace_back(std::move(it->second.callback), outcome);
      drop_locked(it++);
    }
  }
  run(answers, snapshot);
}

void HeldRequests::expire(Clock::time_point now) {
  std::vector<Answer> answers;
  std::shared_ptr<const LiveSnapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = latest_;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      answers.emplace_back(std::move(it->second.callback), HoldOutcome::timeout);
      drop_locked(it++);
    }
  }
  run(answers, snapshot);
}

void HeldRequests::release_all() {
  std::vector<Answer> answers;
  std::shared_ptr<const LiveSnapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    released_ = true;
    snapshot = latest_;
    for (auto& [id, waiter] : waiters_) answers.emplace_back(std::move(waiter.callback), HoldOutcome::released);
    waiters_.clear();
    per_address_.clear();
  }
  run(answers, snapshot);
}

std::size_t HeldRequests::size() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

std::size_t HeldRequests::held_from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  const auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace tidecast::live

// LiveChannel, low latency: parts as they complete, segments held as their
// parts, and the timer that answers blocking requests held too long.
#include <boost/asio/post.hpp>

#include "core/clock.hpp"
#include "live/live_channel.hpp"

namespace tidecast::live {

namespace {
// Parts kept listed per track: those of the last few segments and the open one.
constexpr std::uint32_t kPartSegments = 4;
constexpr std::chrono::milliseconds kHoldTick{100};
}  // namespace

void LiveChannel::add_part(const package::PartOut& out, const std::string& track_id) {
  if (!number_base_) number_base_ = static_cast<std::int64_t>(next_number_) - out.number;
  const auto number = static_cast<std::uint32_t>(*number_base_ + out.number);
  auto& d = track(track_id, out.kind).description;
  // A rung that rejoined after a gap starts its parts afresh, like its segments.
  if (!d.parts.empty() && number > d.parts.back().number + 1) d.parts.clear();
  package::PartEntry entry;
  entry.number = number;
  entry.index = out.index;
  entry.period = period_index_;
  entry.segment_index = out.number - 1;
  entry.duration = out.duration;
  entry.independent = out.independent;
  entry.start = out.start;
  entry.wallclock_ms = availability_start_ms_.value_or(0) +
                       static_cast<std::int64_t>(static_cast<double>(out.start) / out.timescale * 1000.0);
  entry.made_ms = core::unix_now_ms();
  d.parts.push_back(entry);
  while (!d.parts.empty() && d.parts.front().number + kPartSegments < number) d.parts.erase(d.parts.begin());

  const std::string name = d.id + "/" + entry.file_name();
  files_[name] = out.bytes;
  track_memory(static_cast<std::int64_t>(out.bytes->size()));
  segment_parts_[fmt::format("{}/{}-{}.m4s", d.id, entry.period, entry.segment_index)].push_back(name);
}

void LiveChannel::store_segment(const std::string& name, package::SegmentOut& out) {
  if (out.parts.empty()) {
    track_memory(static_cast<std::int64_t>(out.bytes.size()));
    // Video segments go into a sealed memory file (one copy here, none per
    // plain viewer after); small ones (audio) gain nothing from sendfile.
    SealedFile sealed = out.bytes.size() >= core::SealedBytes::kWorthSealing
                            ? core::SealedBytes::make("tidecast-segment", out.bytes)
                            : nullptr;
    if (sealed) {
      sealed_files_[name] = std::move(sealed);
      out.bytes = {};
    } else {
      files_[name] = std::make_shared<const std::vector<std::uint8_t>>(std::move(out.bytes));
    }
  } else {
    // The parts' own buffers (already counted): the segment is their run.
    pieced_files_[name] = std::make_shared<const std::vector<SharedBytes>>(std::move(out.parts));
  }
  file_order_.push_back(name);
}

void LiveChannel::forget_file(const std::string& name) {
  const auto drop = [this](const std::string& file) {
    const auto it = files_.find(file);
    if (it == files_.end()) return;
    track_memory(-static_cast<std::int64_t>(it->second->size()));
    files_.erase(it);
  };
  drop(name);
  if (const auto sealed = sealed_files_.find(name); sealed != sealed_files_.end()) {
    track_memory(-static_cast<std::int64_t>(sealed->second->size()));
    sealed_files_.erase(sealed);
  }
  pieced_files_.erase(name);
  if (const auto parts = segment_parts_.find(name); parts != segment_parts_.end()) {
    for (const auto& part : parts->second) drop(part);
    segment_parts_.erase(parts);
  }
}

void LiveChannel::start_hold_timer() {
  if (!hold_timer_) hold_timer_ = std::make_unique<boost::asio::steady_timer>(strand_);
  hold_timer_->expires_after(kHoldTick);
  hold_timer_->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->finished_) return;
    self->held_->expire();
    self->start_hold_timer();
  });
}

}  // namespace tidecast::live

#include "media/stream.hpp"

#include <algorithm>

namespace tidecast::media {

namespace {
// A GOP longer than this (or a stream without keyframes) is not cached whole;
// the cache restarts so memory stays bounded.
constexpr std::size_t kMaxGopCachePackets = 4000;

bool is_video_keyframe(const Packet& packet) {
  return packet.kind == TrackKind::video && packet.keyframe;
}
}  // namespace

StreamReader::StreamReader(ReaderOptions options, ReaderCallbacks callbacks, Post post)
    : options_(std::move(options)), callbacks_(std::move(callbacks)), post_(std::move(post)) {}

ReaderStats StreamReader::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

double StreamReader::queued_seconds() const {
  // Scans from both ends: packets sit at the ends, so this is O(1) in practice
  // (a full scan per push was quadratic in a lagging reader's queue).
  const auto first =
      std::find_if(queue_.begin(), queue_.end(), [](const Event& e) { return std::holds_alternative<PacketPtr>(e); });
  if (first == queue_.end()) return 0;
  const auto last =
      std::find_if(queue_.rbegin(), queue_.rend(), [](const Event& e) { return std::holds_alternative<PacketPtr>(e); });
  const Packet& a = *std::get<PacketPtr>(*first);
  const Packet& b = *std::get<PacketPtr>(*last);
  return static_cast<double>(b.dts - a.dts) / b.timescale;
}

void StreamReader::enqueue(Event event) {
  if (const auto* info = std::get_if<StreamInfo>(&event)) has_video_ = info->video.has_value();
  const auto* packet = std::get_if<PacketPtr>(&event);
  if (!packet) {
    queue_.push_back(std::move(event));
    return;
  }
  const Packet& p = **packet;
  if (skip_to_keyframe_) {
    // Resume only at a video keyframe (audio-only streams: any packet).
    if (has_video_ && !is_video_keyframe(p)) {
      ++stats_.dropped_packets;
      return;
    }
    skip_to_keyframe_ = false;
  }
  queue_.push_back(std::move(event));
  if (queued_seconds() > options_.max_queue_seconds) {
    // Drop every queued packet (keeping info/end events), then wait for a keyframe.
    std::deque<Event> kept;
    for (auto& queued : queue_) {
      if (std::holds_alternative<PacketPtr>(queued)) {
        ++stats_.dropped_packets;
      } else {
        kept.push_back(std::move(queued));
      }
    }
    queue_ = std::move(kept);
    ++stats_.dropped_gops;
    skip_to_keyframe_ = true;
  }
}

bool StreamReader::should_schedule() {
  if (draining_ || queue_.empty()) return false;
  draining_ = true;
  return true;
}

void StreamReader::push(Event event) {
  bool schedule = false;
  {
    std::lock_guard lock(mutex_);
    enqueue(std::move(event));
    schedule = should_schedule();
  }
  if (schedule) post_([self = shared_from_this()] { self->drain(); });
}

void StreamReader::push_packets(std::span<const PacketPtr> packets) {
  bool schedule = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& packet : packets) enqueue(packet);
    schedule = should_schedule();
  }
  if (schedule) post_([self = shared_from_this()] { self->drain(); });
}

void StreamReader::drain() {
  for (;;) {
    std::deque<Event> batch;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        draining_ = false;
        return;
      }
      batch.swap(queue_);
      for (const Event& event : batch) {
        if (std::holds_alternative<PacketPtr>(event)) ++stats_.delivered;
      }
    }
    for (const Event& event : batch) {
      if (const auto* info = std::get_if<StreamInfo>(&event)) {
        if (callbacks_.on_info) callbacks_.on_info(*info);
      } else if (const auto* packet = std::get_if<PacketPtr>(&event)) {
        if (callbacks_.on_packet) callbacks_.on_packet(*packet);
      } else if (callbacks_.on_end) {
        callbacks_.on_end();
      }
    }
  }
}

Stream::Stream(std::string name) : name_(std::move(name)) {}

std::vector<std::shared_ptr<StreamReader>> Stream::live_readers() {
  std::vector<std::shared_ptr<StreamReader>> alive;
  std::erase_if(readers_, [&](const std::weak_ptr<StreamReader>& weak) {
    auto reader = weak.lock();
    if (!reader) return true;
    alive.push_back(std::move(reader));
    return false;
  });
  return alive;
}

void Stream::set_info(StreamInfo info) {
  std::vector<std::shared_ptr<StreamReader>> readers;
  {
    std::lock_guard lock(mutex_);
    info_ = info;
    gop_cache_.clear();  // packets of the old configuration must not reach new readers
    readers = live_readers();
  }
  // Delivered outside the stream lock: readers take only their own lock.
  for (auto& reader : readers) reader->push(info);
}

void Stream::publish(PacketPtr packet) {
  publish(std::span<const PacketPtr>(&packet, 1));
}

void Stream::publish(std::span<const PacketPtr> packets) {
  if (packets.empty()) return;
  std::vector<std::shared_ptr<StreamReader>> readers;
  {
    std::lock_guard lock(mutex_);
    const bool has_video = info_ && info_->video;
    for (const auto& packet : packets) {
      if (!has_video) {
        gop_cache_.assign(1, packet);  // audio-only: any packet is a start point
      } else {
        if (is_video_keyframe(*packet) || gop_cache_.size() >= kMaxGopCachePackets) gop_cache_.clear();
        if (!gop_cache_.empty() || is_video_keyframe(*packet)) gop_cache_.push_back(packet);
      }
    }
    readers = live_readers();
  }
  for (auto& reader : readers) reader->push_packets(packets);
}

void Stream::end() {
  std::vector<std::shared_ptr<StreamReader>> readers;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    gop_cache_.clear();
    readers = live_readers();
  }
  for (auto& reader : readers) reader->push(StreamReader::End{});
}

std::shared_ptr<StreamReader> Stream::subscribe(ReaderOptions options, ReaderCallbacks callbacks, Post post) {
  auto reader = std::make_shared<StreamReader>(std::move(options), std::move(callbacks), std::move(post));
  std::lock_guard lock(mutex_);
  // Replayed under the stream lock so no live packet can slip in between.
  if (info_) reader->push(*info_);
  for (const auto& packet : gop_cache_) reader->push(packet);
  if (ended_) {
    reader->push(StreamReader::End{});
  } else {
    readers_.push_back(reader);
  }
  return reader;
}

std::optional<StreamInfo> Stream::info() const {
  std::lock_guard lock(mutex_);
  return info_;
}

std::size_t Stream::reader_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& weak : readers_) count += weak.expired() ? 0 : 1;
  return count;
}

bool Stream::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

}  // namespace tidecast::media

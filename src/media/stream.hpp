#pragma once
// One live stream's fan-out point: one publisher, many readers.
//
// - Packets are immutable and shared; the publisher never blocks on a reader:
//   publish() only appends to each reader's queue under that reader's lock.
// - A batch (the packets parsed from one socket read) is appended to each
//   reader under one lock and wakes the reader at most once: a hand-off to
//   another thread per packet was a large share of ingest CPU.
// - Each reader has a queue bounded in media time. On overflow the reader
//   drops whole GOPs: its queued packets go, and it resumes at the next video
//   keyframe, so a slow reader never sees a broken GOP. Drops are counted.
// - A GOP cache (packets since the last video keyframe) lets a new reader
//   start on a keyframe instead of waiting for the next one.
// - Events are delivered on the reader's own executor (the Post function),
//   one at a time, in order.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "media/packet.hpp"

namespace tidecast::media {

// Runs a task on the reader's executor (e.g. a strand on the CPU pool). Must
// not run it inline: subscribe() pushes while holding the stream's lock.
using Post = std::function<void(std::function<void()>)>;

struct ReaderCallbacks {
  std::function<void(const StreamInfo&)> on_info;  // before the first packet, and on codec changes
  std::function<void(const PacketPtr&)> on_packet;
  std::function<void()> on_end;  // the publisher is gone; no more events follow
};

struct ReaderOptions {
  std::string name;              // for logs and metrics: "segmenter", "transcoder", ...
  double max_queue_seconds = 4;  // media time queued before whole GOPs are dropped
};

struct ReaderStats {
  std::uint64_t delivered = 0;
  std::uint64_t dropped_packets = 0;
  std::uint64_t dropped_gops = 0;
};

class Stream;

class StreamReader : public std::enable_shared_from_this<StreamReader> {
 public:
  StreamReader(ReaderOptions options, ReaderCallbacks callbacks, Post post);
  ReaderStats stats() const;
  const std::string& name() const { return options_.name; }

 private:
  friend class Stream;
  struct End {};
  using Event = std::variant<StreamInfo, PacketPtr, End>;

  void push(Event event);
  void push_packets(std::span<const PacketPtr> packets);
  void enqueue(Event event);  // caller holds mutex_; applies the bound
  bool should_schedule();     // caller holds mutex_
  void drain();
  double queued_seconds() const;  // caller holds mutex_

  ReaderOptions options_;
  ReaderCallbacks callbacks_;
  Post post_;
  mutable std::mutex mutex_;
  std::deque<Event> queue_;
  bool draining_ = false;
  bool skip_to_keyframe_ = false;
  bool has_video_ = false;
  ReaderStats stats_;
};

class Stream {
 public:
  explicit Stream(std::string name);

  const std::string& name() const { return name_; }

  // Publisher side.
  void set_info(StreamInfo info);
  void publish(PacketPtr packet);
  void publish(std::span<const PacketPtr> packets);  // in order, one reader wake-up per batch
  void end();

  // Reader side. The reader first receives the current info and the GOP
  // cache, then live events. Readers are held weakly: dropping the returned
  // pointer unsubscribes.
  std::shared_ptr<StreamReader> subscribe(ReaderOptions options, ReaderCallbacks callbacks, Post post);

  std::optional<StreamInfo> info() const;
  std::size_t reader_count() const;
  bool ended() const;

 private:
  std::vector<std::shared_ptr<StreamReader>> live_readers();  // prunes dead ones

  const std::string name_;
  mutable std::mutex mutex_;
  std::optional<StreamInfo> info_;
  std::vector<PacketPtr> gop_cache_;
  std::vector<std::weak_ptr<StreamReader>> readers_;
  bool ended_ = false;
};

}  // namespace tidecast::media

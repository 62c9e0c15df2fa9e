#pragma once
// Test helpers for src/live: an in-memory channel directory and recording
// catalog, synthetic publishers, and waiting on a channel's strand.
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "live/live_channel.hpp"
#include "live/ports.hpp"
#include "package/test_streams.hpp"
#include "rtmp/publish_gateway.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

namespace tidecast::test {

class FakeRecordings : public live::RecordingCatalog {
 public:
  std::string begin_recording(const live::ChannelRef&) override {
    std::lock_guard lock(mutex_);
    const std::string id = "rec" + std::to_string(states_.size() + 1);
    states_[id] = "processing";
    return id;
  }
  void finish_recording(const std::string& id, const live::RecordingSummary&) override {
    std::lock_guard lock(mutex_);
    states_[id] = "ready";
  }
  void fail_recording(const std::string& id, const std::string&) override {
    std::lock_guard lock(mutex_);
    states_[id] = "failed";
  }
  std::map<std::string, std::string> states() const {
    std::lock_guard lock(mutex_);
    return states_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> states_;
};

// The test channel "studio" (id 1).
inline live::ChannelRef studio_ref() {
  live::ChannelRef ref;
  ref.id = 1;
  ref.name = "studio";
  ref.title = "Studio";
  return ref;
}

class FakeDirectory : public live::ChannelDirectory {
 public:
  std::optional<std::string> latency_mode;  // the channel's own (catalog) choice
  std::optional<live::ChannelRef> find_by_stream_key(const std::string& key) override {
    if (key != "key") return std::nullopt;
    live::ChannelRef ref = studio_ref();
    ref.latency_mode = latency_mode;
    return ref;
  }
};

// Options for fast tests: 1 s segments, a 2-segment window, no ladder.
inline live::LiveOptions small_window(const std::filesystem::path& videos_dir) {
  live::LiveOptions options;
  options.segment_seconds = 1;
  options.playlist_segments = 2;
  options.videos_dir = videos_dir;
  options.ladder.enabled = false;
  return options;
}

// `seconds` of 10 fps video-only media, a keyframe every second, from `first_ms`.
inline std::vector<media::PacketPtr> video_seconds(int seconds, std::int64_t first_ms = 0) {
  std::vector<media::PacketPtr> out;
  for (int frame = 0; frame < seconds * 10; ++frame) {
    auto packet = std::make_shared<media::Packet>(video_packet(first_ms + frame * 100, first_ms + frame * 100,
                                                               frame % 10 == 0, static_cast<std::uint32_t>(frame)));
    packet->timescale = 1000;
    out.push_back(std::move(packet));
  }
  return out;
}

// The channel "studio" with small_window options on a one-thread pool, and
// what it needs (a data dir, a log, recordings). Call pool.join() at the end.
struct StudioChannel {
  TempDir dir;
  CapturedLog log;
  FakeRecordings recordings;
  boost::asio::thread_pool pool{1};
  std::shared_ptr<live::LiveChannel> channel = std::make_shared<live::LiveChannel>(
      studio_ref(), small_window(dir.path()), log.logger(), recordings, pool.get_executor());
};

// Polls `done` until it holds or `seconds` pass; returns its last value.
inline bool eventually(const std::function<bool()>& done, double seconds = 10) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace tidecast::test

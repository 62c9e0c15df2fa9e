#include <doctest/doctest.h>

#include <deque>

#include "media/stream.hpp"

using namespace tidecast::media;

namespace {

// A manual executor: tasks run when the test says so, like a busy reader.
struct ManualExecutor {
  std::deque<std::function<void()>> tasks;
  Post post() {
    return [this](std::function<void()> task) { tasks.push_back(std::move(task)); };
  }
  void run_all() {
    while (!tasks.empty()) {
      auto task = std::move(tasks.front());
      tasks.pop_front();
      task();
    }
  }
};

PacketPtr video(std::int64_t ms, bool key) {
  auto p = std::make_shared<Packet>();
  p->kind = TrackKind::video;
  p->dts = p->pts = ms;
  p->keyframe = key;
  return p;
}

PacketPtr audio(std::int64_t ms) {
  auto p = std::make_shared<Packet>();
  p->kind = TrackKind::audio;
  p->dts = p->pts = ms;
  p->keyframe = true;
  return p;
}

StreamInfo av_info() {
  StreamInfo info;
  info.video = VideoTrackConfig{};
  info.audio = AudioTrackConfig{};
  return info;
}

struct Recorder {
  std::vector<PacketPtr> packets;
  int infos = 0;
  bool ended = false;
  ReaderCallbacks callbacks() {
    return {[this](const StreamInfo&) { ++infos; }, [this](const PacketPtr& p) { packets.push_back(p); },
            [this] { ended = true; }};
  }
};

}  // namespace

TEST_CASE("a new reader starts with the info and the GOP cache, from the last keyframe") {
  Stream stream("s");
  stream.set_info(av_info());
  for (int i = 0; i < 90; ++i) stream.publish(video(i * 33, i % 60 == 0));
  ManualExecutor exec;
  Recorder rec;
  auto reader = stream.subscribe({"r", 4}, rec.callbacks(), exec.post());
  exec.run_all();
  CHECK(rec.infos == 1);
  REQUIRE(rec.packets.size() == 30);  // frames 60..89
  CHECK(rec.packets.front()->keyframe);
  CHECK(rec.packets.front()->dts == 60 * 33);
}

TEST_CASE("packets are shared, not copied, and arrive in order") {
  Stream stream("s");
  stream.set_info(av_info());
  ManualExecutor exec;
  Recorder a, b;
  auto ra = stream.subscribe({"a", 4}, a.callbacks(), exec.post());
  auto rb = stream.subscribe({"b", 4}, b.callbacks(), exec.post());
  for (int i = 0; i < 10; ++i) {
    stream.publish(video(i * 33, i == 0));
    stream.publish(audio(i * 33));
  }
  exec.run_all();
  REQUIRE(a.packets.size() == 20);
  REQUIRE(b.packets.size() == 20);
  for (std::size_t i = 0; i < 20; ++i) CHECK(a.packets[i].get() == b.packets[i].get());
  for (std::size_t i = 1; i < 20; ++i) CHECK(a.packets[i]->dts >= a.packets[i - 1]->dts);
}

TEST_CASE("a slow reader drops whole GOPs and never blocks the publisher or other readers") {
  Stream stream("s");
  stream.set_info(av_info());
  ManualExecutor slow_exec, fast_exec;
  Recorder slow, fast;
  auto rs = stream.subscribe({"slow", 2.0}, slow.callbacks(), slow_exec.post());
  auto rf = stream.subscribe({"fast", 2.0}, fast.callbacks(), fast_exec.post());
  // 10 s of 30 fps video with 1-s GOPs; the fast reader keeps up, the slow one never runs.
  for (int i = 0; i < 300; ++i) {
    stream.publish(video(i * 33, i % 30 == 0));
    fast_exec.run_all();
  }
  CHECK(fast.packets.size() == 300);
  const ReaderStats stats = rs->stats();
  CHECK(stats.dropped_gops > 0);
  CHECK(stats.dropped_packets > 200);
  slow_exec.run_all();
  REQUIRE_FALSE(slow.packets.empty());
  CHECK(slow.packets.front()->keyframe);  // resumed on a keyframe
  // What it got is whole GOPs: every keyframe is followed by contiguous frames.
  for (std::size_t i = 1; i < slow.packets.size(); ++i) {
    const bool contiguous = slow.packets[i]->dts == slow.packets[i - 1]->dts + 33;
    CHECK((contiguous || slow.packets[i]->keyframe));
  }
  CHECK(slow.packets.size() + stats.dropped_packets == 300);
}

TEST_CASE("end reaches every reader and late readers; dropping a reader unsubscribes it") {
  Stream stream("s");
  stream.set_info(av_info());
  ManualExecutor exec;
  Recorder a, b;
  auto ra = stream.subscribe({"a", 4}, a.callbacks(), exec.post());
  {
    auto rb = stream.subscribe({"b", 4}, b.callbacks(), exec.post());
    CHECK(stream.reader_count() == 2);
  }
  exec.run_all();  // a queued delivery keeps a reader alive until it has run
  CHECK(stream.reader_count() == 1);
  stream.end();
  exec.run_all();
  CHECK(a.ended);
  Recorder late;
  auto rl = stream.subscribe({"late", 4}, late.callbacks(), exec.post());
  exec.run_all();
  CHECK(late.ended);
}

TEST_CASE("a codec change clears the GOP cache") {
  Stream stream("s");
  stream.set_info(av_info());
  stream.publish(video(0, true));
  stream.set_info(av_info());
  ManualExecutor exec;
  Recorder rec;
  auto reader = stream.subscribe({"r", 4}, rec.callbacks(), exec.post());
  exec.run_all();
  CHECK(rec.packets.empty());
}

TEST_CASE("a batch of packets wakes each reader once and keeps their order") {
  Stream stream("s");
  stream.set_info(av_info());
  // A reader that is always idle when packets come (its thread drains at
  // once), as a segmenter usually is: each wake-up is one hand-off.
  int wakeups = 0;
  bool immediate = false;
  ManualExecutor exec;
  Post post = [&](std::function<void()> task) {
    ++wakeups;
    if (immediate) return task();
    exec.tasks.push_back(std::move(task));
  };
  Recorder rec;
  auto reader = stream.subscribe({"r", 4}, rec.callbacks(), post);
  exec.run_all();
  immediate = true;
  wakeups = 0;
  // Three reads' worth of interleaved audio and video, published as batches.
  std::int64_t ms = 0;
  for (int read = 0; read < 3; ++read) {
    std::vector<PacketPtr> batch;
    for (int i = 0; i < 4; ++i, ms += 10) batch.push_back(i % 2 ? audio(ms) : video(ms, ms == 0));
    stream.publish(batch);
  }
  CHECK(wakeups == 3);  // one hand-off per batch, not per packet
  REQUIRE(rec.packets.size() == 12);
  for (std::size_t i = 0; i < rec.packets.size(); ++i) CHECK(rec.packets[i]->dts == static_cast<std::int64_t>(i) * 10);
  CHECK(reader->stats().delivered == 12);
  // Batches published while the reader is busy join its pending drain.
  immediate = false;
  stream.publish(std::vector<PacketPtr>{video(200, true)});
  stream.publish(std::vector<PacketPtr>{audio(210)});
  CHECK(exec.tasks.size() == 1);
  exec.run_all();
  CHECK(rec.packets.back()->dts == 210);
}

TEST_CASE("a batch respects the reader's bound: whole GOPs are dropped, then a keyframe resumes") {
  Stream stream("s");
  stream.set_info(av_info());
  ManualExecutor exec;
  Recorder rec;
  auto reader = stream.subscribe({"r", 2.0}, rec.callbacks(), exec.post());
  // One 5-s batch of 30 fps video with 1-s GOPs to a reader bounded at 2 s.
  std::vector<PacketPtr> batch;
  for (int i = 0; i < 150; ++i) batch.push_back(video(i * 33, i % 30 == 0));
  stream.publish(batch);
  const ReaderStats stats = reader->stats();
  CHECK(stats.dropped_gops > 0);
  exec.run_all();
  REQUIRE_FALSE(rec.packets.empty());
  CHECK(rec.packets.front()->keyframe);
  CHECK(static_cast<double>(rec.packets.back()->dts - rec.packets.front()->dts) / 1000 <= 2.0);
  for (std::size_t i = 1; i < rec.packets.size(); ++i) CHECK(rec.packets[i]->dts == rec.packets[i - 1]->dts + 33);
  CHECK(rec.packets.size() + stats.dropped_packets == 150);
}

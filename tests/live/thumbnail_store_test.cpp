#include "live/thumbnail_store.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <thread>

using namespace tidecast;
using namespace tidecast::live;

namespace {

media::PacketPtr video(std::int64_t ms, bool keyframe, std::uint8_t tag = 0) {
  auto p = std::make_shared<media::Packet>();
  p->kind = media::TrackKind::video;
  p->timescale = 1000;
  p->dts = p->pts = ms;
  p->keyframe = keyframe;
  p->data = {0, 0, 0, 1, tag};
  return p;
}

// Counts the pictures made; each is its keyframe's tag, after `delay`.
struct FakeMaker {
  std::atomic<int> calls{0};
  std::chrono::milliseconds delay{0};
  bool fail = false;
  ThumbnailStore::Maker maker() {
    return [this](const media::Packet& keyframe, const transcode::VideoSourceSpec&) {
      ++calls;
      std::this_thread::sleep_for(delay);
      if (fail) throw std::runtime_error("does not decode");
      transcode::LivePicture picture;
      picture.jpeg = std::make_shared<const std::vector<std::uint8_t>>(
          std::vector<std::uint8_t>{0xff, 0xd8, keyframe.data.back()});
      picture.width = 640;
      picture.height = 360;
      return picture;
    };
  }
};

// Waits for a deferred answer.
struct Waiter {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::shared_ptr<const LiveThumbnail>> got;
  ThumbnailStore::Done done() {
    return [this](std::shared_ptr<const LiveThumbnail> picture) {
      std::lock_guard lock(mutex);
      got.push_back(std::move(picture));
      cv.notify_all();
    };
  }
  bool wait(std::size_t count) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= count; });
  }
};

std::shared_ptr<ThumbnailStore> make_store(boost::asio::thread_pool& pool, FakeMaker& maker, core::Logger& log,
                                           core::Counter* counter = nullptr) {
  auto store = std::make_shared<ThumbnailStore>(pool.get_executor(), 5.0, "cam", log, counter, maker.maker());
  store->set_source(std::make_shared<const transcode::VideoSourceSpec>());
  return store;
}

}  // namespace

TEST_CASE("live thumbnails are made only when asked, once per keyframe kept, shared by the requests that wait") {
  boost::asio::thread_pool pool(2);
  core::Logger log;
  core::Counter counter;
  FakeMaker maker;
  maker.delay = std::chrono::milliseconds(100);
  auto store = make_store(pool, maker, log, &counter);

  CHECK_FALSE(store->version());
  CHECK_FALSE(store->picture([](auto) { FAIL("nothing to make"); }).pending);

  // A publisher sends 20 s of media, nobody asks: no picture is made.
  for (int ms = 0; ms <= 20000; ms += 40) store->offer(video(ms, ms % 2000 == 0, static_cast<std::uint8_t>(ms / 1000)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(maker.calls == 0);
  CHECK(store->made() == 0);
  // Kept: 0 s, then the first keyframe 5 s newer each time: 6, 12, 18 s.
  const auto version = store->version();
  REQUIRE(version);
  CHECK(version->size() == 16);
  CHECK(thumbnail_url("/live/cam/", *version) == "/live/cam/thumbnail.jpg?t=" + *version);

  // Three requests at once: one encode, all three answered with it.
  Waiter waiter;
  for (int i = 0; i < 3; ++i) CHECK(store->picture(waiter.done()).pending);
  REQUIRE(waiter.wait(3));
  CHECK(maker.calls == 1);
  CHECK(counter.value() == 1);
  for (const auto& picture : waiter.got) {
    REQUIRE(picture);
    CHECK(*picture->jpeg == std::vector<std::uint8_t>{0xff, 0xd8, 18});
    CHECK(picture->version == *version);
    CHECK(picture->etag == "\"" + *version + "\"");
  }
  // Asked again: from memory, no encode.
  auto again = store->picture([](auto) { FAIL("made twice"); });
  CHECK_FALSE(again.pending);
  CHECK(again.ready == waiter.got[0]);

  // Keyframes less than 5 s newer keep the picture (and its version).
  store->offer(video(20000, true, 20));
  store->offer(video(22000, true, 22));
  CHECK(store->version() == version);
  CHECK_FALSE(store->picture([](auto) {}).pending);
  // One 5 s newer: a new version, made on the next request only.
  store->offer(video(24000, true, 24));
  CHECK(store->version() != version);
  CHECK(maker.calls == 1);
  Waiter later;
  CHECK(store->picture(later.done()).pending);
  REQUIRE(later.wait(1));
  CHECK(*later.got[0]->jpeg == std::vector<std::uint8_t>{0xff, 0xd8, 24});
  CHECK(maker.calls == 2);
  CHECK(store->made() == 2);
  pool.join();
}

TEST_CASE("a live thumbnail that fails is not retried for the same keyframe; the last picture stays") {
  boost::asio::thread_pool pool(1);
  core::Logger log;
  FakeMaker maker;
  auto store = make_store(pool, maker, log);
  store->offer(video(0, true, 1));
  Waiter first;
  CHECK(store->picture(first.done()).pending);
  REQUIRE(first.wait(1));
  REQUIRE(first.got[0]);

  maker.fail = true;
  store->offer(video(6000, true, 2));
  Waiter failed;
  CHECK(store->picture(failed.done()).pending);
  REQUIRE(failed.wait(1));
  CHECK(failed.got[0] == first.got[0]);  // the last good one
  CHECK(maker.calls == 2);
  const auto answer = store->picture([](auto) { FAIL("retried"); });
  CHECK_FALSE(answer.pending);
  CHECK(answer.ready == first.got[0]);
  CHECK(store->version() == first.got[0]->version);  // links keep naming the picture there is

  // A new period of a codec we do not decode: nothing new is kept.
  store->set_source(nullptr);
  store->offer(video(0, true, 3));
  CHECK(store->version() == first.got[0]->version);
  CHECK(maker.calls == 2);
  pool.join();
}

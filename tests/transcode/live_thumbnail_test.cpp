#include "transcode/live_thumbnail.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace tidecast::transcode;

namespace {

FramePtr grey_frame(int width, int height, int luma) {
  FramePtr frame = make_frame();
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = width;
  frame->height = height;
  REQUIRE(av_frame_get_buffer(frame.get(), 0) == 0);
  for (int y = 0; y < height; ++y) std::memset(frame->data[0] + y * frame->linesize[0], luma, width);
  for (int p = 1; p < 3; ++p) {
    for (int y = 0; y < height / 2; ++y) std::memset(frame->data[p] + y * frame->linesize[p], 128, width / 2);
  }
  return frame;
}

// A picture with some detail (a gradient and a moving block), like camera content.
FramePtr busy_frame(int width, int height, int step) {
  FramePtr frame = grey_frame(width, height, 0);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      frame->data[0][y * frame->linesize[0] + x] = static_cast<std::uint8_t>((x * 7 + y * 3 + step * 11) ^ (x * y));
    }
  }
  return frame;
}

std::shared_ptr<const std::vector<std::uint8_t>> bytes(std::uint8_t tag) {
  return std::make_shared<const std::vector<std::uint8_t>>(std::vector<std::uint8_t>{0xff, 0xd8, tag});
}

}  // namespace

TEST_CASE("the pacer takes the first picture, then one per interval, never two at once") {
  ThumbnailPacer pacer(5);
  CHECK(pacer.take(100.0));
  CHECK_FALSE(pacer.take(100.1));  // in flight
  pacer.done();
  CHECK_FALSE(pacer.take(104.9));  // too soon
  CHECK(pacer.take(105.0));
  CHECK_FALSE(pacer.take(111.0));  // still in flight: a slow pool never queues a second
  pacer.done();
  CHECK(pacer.take(111.0));
  pacer.done();
  CHECK_FALSE(pacer.take(115.0));  // the interval counts from the last start (111)
  CHECK(pacer.take(116.0));
}

TEST_CASE("thumbnail size: at most 640 wide, display aspect kept, even") {
  CHECK(live_thumbnail_size(1920, 1080, 1, 1).width == 640);
  CHECK(live_thumbnail_size(1920, 1080, 1, 1).height == 360);
  CHECK(live_thumbnail_size(320, 240, 0, 1).width == 320);  // smaller: kept (sar unknown: square)
  CHECK(live_thumbnail_size(320, 240, 0, 1).height == 240);
  CHECK(live_thumbnail_size(720, 1280, 1, 1).width == 640);  // portrait
  CHECK(live_thumbnail_size(720, 1280, 1, 1).height == 1138);
  // Anamorphic 1440x1080 with 4:3 pixels is 1920x1080 on screen.
  CHECK(live_thumbnail_size(1440, 1080, 4, 3).width == 640);
  CHECK(live_thumbnail_size(1440, 1080, 4, 3).height == 360);
  CHECK(live_thumbnail_size(0, 0, 1, 1).width == 0);
}

TEST_CASE("the media clock follows timestamps, not their jumps") {
  MediaClock clock;
  CHECK(clock.at(5000) == 0);
  CHECK(clock.at(7000) == doctest::Approx(2.0));
  CHECK(clock.at(100) == doctest::Approx(2.0));  // a reconnect restarts the publisher's clock
  CHECK(clock.at(1100) == doctest::Approx(3.0));
  CHECK(clock.at(900000) == doctest::Approx(13.0));  // a jump counts at most 10 s
}

TEST_CASE("recording pictures: tiles one per interval, thinned to at most 100") {
  RecordingPictures pictures(5);
  FramePtr frame = grey_frame(640, 360, 128);
  for (int i = 0; i < 100; ++i) pictures.add(i * 5.0, bytes(1), 128, frame.get());
  CHECK(pictures.tiles() == 100);
  CHECK(pictures.tile_interval() == 5);
  pictures.add(500.0, bytes(1), 128, frame.get());  // the 101st: every other tile goes, twice the interval
  CHECK(pictures.tiles() == 51);
  CHECK(pictures.tile_interval() == 10);
  pictures.add(503.0, bytes(1), 128, frame.get());  // not due at the new interval (510, from 505)
  CHECK(pictures.tiles() == 51);
  CHECK(pictures.candidates().size() <= kPosterCandidates);
  // A clock jump fills the slots it skipped with the picture after it.
  RecordingPictures jumpy(5);
  jumpy.add(0, bytes(1), 128, frame.get());
  jumpy.add(20, bytes(2), 128, frame.get());
  CHECK(jumpy.tiles() == 5);
}

TEST_CASE("recording poster: the first bright picture from 10 % of the duration, else the brightest") {
  RecordingPictures pictures(5);
  pictures.add(0, bytes(0), 10, nullptr);   // dark opening
  pictures.add(5, bytes(1), 200, nullptr);  // bright, before 10 % of 100 s
  pictures.add(10, bytes(2), 12, nullptr);  // dark at 10 %
  pictures.add(15, bytes(3), 90, nullptr);
  pictures.add(20, bytes(4), 250, nullptr);
  CHECK(pictures.poster_index(100) == 3u);
  CHECK(pictures.poster_index(20) == 1u);  // 10 % is 2 s: the one at 5 s
  RecordingPictures dark(5);
  dark.add(0, bytes(0), 10, nullptr);
  dark.add(5, bytes(1), 20, nullptr);
  dark.add(10, bytes(2), 5, nullptr);
  CHECK(dark.poster_index(15) == 1u);
  CHECK_FALSE(RecordingPictures(5).poster_index(10).has_value());
  // Candidates stay bounded over a long stream and still span it.
  RecordingPictures hours(5);
  for (int i = 0; i < 2000; ++i) hours.add(i * 5.0, bytes(static_cast<std::uint8_t>(i)), 100, nullptr);
  CHECK(hours.candidates().size() <= kPosterCandidates);
  CHECK(hours.candidates().back().seconds > 8000);
  const auto index = hours.poster_index(10000);
  REQUIRE(index.has_value());
  CHECK(hours.candidates()[*index].seconds >= 500);
  CHECK(hours.candidates()[*index].seconds <= 3000);
}

TEST_CASE("recording pictures write poster.jpg and a storyboard") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("tidecast-live-thumbs-{}", ::getpid());
  fs::create_directories(dir);
  RecordingPictures pictures(5);
  for (int i = 0; i < 4; ++i) {
    FramePtr frame = grey_frame(640, 360, 40 + i * 40);
    auto jpeg = std::make_shared<const std::vector<std::uint8_t>>(encode_jpeg(*grey_frame(64, 36, 40 + i * 40)));
    pictures.add(i * 5.0, jpeg, 40 + i * 40, frame.get());
  }
  REQUIRE(pictures.write(dir, 18));
  CHECK(fs::file_size(dir / "poster.jpg") > 100);
  CHECK(fs::file_size(dir / "storyboard.jpg") > 100);
  std::ifstream in(dir / "storyboard.vtt");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("00:00:15.000 --> 00:00:18.000\nstoryboard.jpg#xywh=480,0,160,90") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the live thumbnailer makes one JPEG per interval from offered frames, on the pool") {
  boost::asio::thread_pool pool(2);
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<LivePicture> got;
  LiveThumbnailOptions options;
  options.interval_seconds = 0.3;
  options.keep_for_recording = false;
  LiveThumbnailer thumbnailer(pool.get_executor(), options, [&](LivePicture picture) {
    std::lock_guard lock(mutex);
    got.push_back(std::move(picture));
    cv.notify_all();
  });
  const auto wait_for = [&](std::size_t count) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.size() >= count; });
  };
  FramePtr frame = busy_frame(1280, 720, 0);
  frame->pts = 0;
  thumbnailer.offer_frame(SharedFrame(std::move(frame)));
  REQUIRE(wait_for(1));
  for (int i = 1; i < 5; ++i) {  // within the interval: ignored
    FramePtr next = busy_frame(1280, 720, i);
    next->pts = i * 33;
    thumbnailer.offer_frame(SharedFrame(std::move(next)));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard lock(mutex);
    CHECK(got.size() == 1);
    CHECK(got[0].width == 640);
    CHECK(got[0].height == 360);
    REQUIRE(got[0].jpeg);
    CHECK((*got[0].jpeg)[0] == 0xff);
    CHECK((*got[0].jpeg)[1] == 0xd8);  // SOI
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  FramePtr later = busy_frame(1280, 720, 9);
  later->pts = 1000;
  thumbnailer.offer_frame(SharedFrame(std::move(later)));
  REQUIRE(wait_for(2));
  std::lock_guard lock(mutex);
  CHECK(*got[1].jpeg != *got[0].jpeg);
  pool.join();
}

TEST_CASE("cost of one live thumbnail (1080p frame -> 640x360 JPEG)") {
  // Not a pass/fail bound (the machine is shared): prints the figure for docs.
  PictureScaler scaler;
  FramePtr source = busy_frame(1920, 1080, 3);
  constexpr int kRuns = 20;
  std::size_t size = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    FramePtr picture = scaler.scale(*source, 640, 360);
    size = encode_jpeg(*picture).size();
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / kRuns;
  MESSAGE(fmt::format("live thumbnail: {:.0f} us per scale + encode, {} bytes", us, size));
  CHECK(size > 0);
}

#include "transcode/live_thumbnail.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "media/avc.hpp"
#include "package/fmp4.hpp"

using namespace tidecast;
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

// H.264 keyframes (x264, one GOP each) of busy pictures `luma` bright, and
// the spec a decoder needs for them.
struct Keyframes {
  VideoSourceSpec spec;
  std::vector<Bytes> frames;
};

Keyframes encode_keyframes(const std::vector<int>& lumas, int width = 320, int height = 240) {
  RungPlan plan;
  plan.rung.name = "test";
  plan.rung.height = height;
  plan.rung.video_bitrate_kbps = 1500;
  plan.rung.maxrate_kbps = 3000;
  plan.rung.bufsize_kbps = 3000;
  plan.rung.preset = "ultrafast";
  plan.width = width;
  plan.height = height;
  RungEncoder encoder(plan, 1000, 30);
  std::vector<EncodedPacket> out;
  for (std::size_t i = 0; i < lumas.size(); ++i) {
    FramePtr frame = busy_frame(width, height, static_cast<int>(i));
    for (int y = 0; y < height; ++y) std::memset(frame->data[0] + y * frame->linesize[0], lumas[i], width / 2);
    encoder.encode(frame.get(), static_cast<std::int64_t>(i) * 1000, true, out);
  }
  encoder.flush(out);
  Keyframes k;
  k.spec.codec = AV_CODEC_ID_H264;
  k.spec.extradata = encoder.avcc();
  k.spec.width = width;
  k.spec.height = height;
  for (auto& packet : out) {
    REQUIRE(packet.keyframe);
    k.frames.push_back(std::move(packet.data));
  }
  REQUIRE(k.frames.size() == lumas.size());
  return k;
}

}  // namespace

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

TEST_CASE("recording storyboard: one tile per interval, each from the last segment starting by then") {
  CHECK(recording_tile_interval(60, 5) == 5);
  CHECK(recording_tile_interval(3600, 5) == 36);  // at most 100 tiles
  CHECK(recording_tile_interval(10, 0) == 1);
  const std::vector<double> starts = {0, 2, 4, 6, 8, 10.5};
  CHECK(storyboard_segments(starts, 12, 5) == std::vector<std::size_t>{0, 2, 4});
  CHECK(storyboard_segments(starts, 12, 1).size() == 12);
  CHECK(storyboard_segments(starts, 0.5, 5) == std::vector<std::size_t>{0});  // a short one still has a tile
  const std::vector<double> late = {3, 9};  // before the first start: the first segment
  CHECK(storyboard_segments(late, 12, 5) == std::vector<std::size_t>{0, 0, 1});
  CHECK(storyboard_segments({}, 12, 5).empty());
  std::vector<double> many(2000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<double>(i) * 2;
  CHECK(storyboard_segments(many, 4000, recording_tile_interval(4000, 5)).size() == 100);
}

TEST_CASE("a live thumbnail is made from one keyframe alone: at most 640 wide, a JPEG") {
  const Keyframes k = encode_keyframes({128}, 1280, 720);
  media::Packet packet;
  packet.keyframe = true;
  packet.data = k.frames[0];
  const LivePicture picture = make_live_picture(packet, k.spec);
  CHECK(picture.width == 640);
  CHECK(picture.height == 360);
  REQUIRE(picture.jpeg);
  CHECK((*picture.jpeg)[0] == 0xff);
  CHECK((*picture.jpeg)[1] == 0xd8);       // SOI
  packet.data = {0, 0, 0, 2, 0x65, 0x00};  // a slice with nothing in it
  CHECK_THROWS(make_live_picture(packet, k.spec));
}

TEST_CASE("recording pictures come from the keyframes its stored segments start with") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("tidecast-live-thumbs-{}", ::getpid());
  fs::create_directories(dir / "v0");
  // 4 segments of 5 s: dark, dark, bright, bright; 20 s, so the poster is looked for from 2 s.
  const Keyframes k = encode_keyframes({0, 0, 200, 220});
  const auto spec = std::make_shared<const VideoSourceSpec>(k.spec);
  const package::TrackSpec track = package::make_track_spec(media::avc_video_config(k.spec.extradata), 1);
  std::vector<RecordedSegment> segments;
  for (std::size_t i = 0; i < k.frames.size(); ++i) {
    const package::Sample sample{.duration = 450000, .composition_offset = 0, .is_sync = true, .data = k.frames[i]};
    const auto bytes = package::write_media_segment(track, static_cast<std::uint32_t>(i + 1), i * 450000, {&sample, 1});
    const fs::path file = dir / "v0" / fmt::format("1-{}.m4s", i);
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    segments.push_back({.start_seconds = i * 5.0, .file = file, .source = spec});
  }
  segments.push_back({.start_seconds = 20, .file = dir / "v0" / "missing.m4s", .source = spec});  // never written
  {
    // One keyframe decode per step: 4 tiles, 4 segments (the fifth starts at the end).
    RecordingPictureMaker maker(segments, 20, 5);
    int steps = 0;
    while (maker.step()) ++steps;
    CHECK(steps == 4);
  }
  REQUIRE(write_recording_pictures(dir, segments, 20, 5));
  CHECK(fs::file_size(dir / "poster.jpg") > 100);
  CHECK(fs::file_size(dir / "storyboard.jpg") > 100);
  std::ifstream in(dir / "storyboard.vtt");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("00:00:15.000 --> 00:00:20.000\nstoryboard.jpg#xywh=480,0,160,120") != std::string::npos);
  // Nothing that decodes: nothing written.
  const fs::path empty = dir / "empty";
  fs::create_directories(empty);
  const RecordedSegment none[] = {{.start_seconds = 0, .file = dir / "nothing.m4s", .source = spec}};
  CHECK_FALSE(write_recording_pictures(empty, none, 10, 5));
  CHECK_FALSE(fs::exists(empty / "poster.jpg"));
  fs::remove_all(dir);
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

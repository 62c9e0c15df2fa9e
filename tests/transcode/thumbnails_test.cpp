#include "transcode/thumbnails.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

using namespace tidecast::transcode;

TEST_CASE("storyboard interval keeps at most 100 tiles") {
  CHECK(storyboard_interval(6) == 1);
  CHECK(storyboard_interval(100) == 1);
  CHECK(storyboard_interval(101) == 2);
  CHECK(storyboard_interval(3600) == 36);
  CHECK(storyboard_interval(0) == 5);  // unknown duration
}

TEST_CASE("storyboard layout: 160-px tiles, at most 10 columns") {
  auto layout = storyboard_layout(6, 1, 1280, 720);
  CHECK(layout.tile_width == 160);
  CHECK(layout.tile_height == 90);
  CHECK(layout.columns == 6);
  CHECK(layout.rows == 1);
  layout = storyboard_layout(100, 36, 1080, 1920);
  CHECK(layout.tile_height == 284);
  CHECK(layout.columns == 10);
  CHECK(layout.rows == 10);
  layout = storyboard_layout(11, 1, 640, 480);
  CHECK(layout.rows == 2);
  CHECK(storyboard_layout(0, 1, 640, 480).columns == 0);
}

TEST_CASE("storyboard WebVTT cues point into the sprite and end at the duration") {
  const auto layout = storyboard_layout(12, 5, 1280, 720);
  const std::string vtt = storyboard_vtt(layout, 12, 57.5);
  CHECK(vtt.starts_with("WEBVTT\n"));
  CHECK(vtt.find("\n00:00:00.000 --> 00:00:05.000\nstoryboard.jpg#xywh=0,0,160,90\n") != std::string::npos);
  CHECK(vtt.find("\n00:00:45.000 --> 00:00:50.000\nstoryboard.jpg#xywh=1440,0,160,90\n") != std::string::npos);
  CHECK(vtt.find("\n00:00:50.000 --> 00:00:55.000\nstoryboard.jpg#xywh=0,90,160,90\n") != std::string::npos);
  CHECK(vtt.find("\n00:00:55.000 --> 00:00:57.500\nstoryboard.jpg#xywh=160,90,160,90\n") != std::string::npos);
}

TEST_CASE("vtt timestamps") {
  CHECK(vtt_timestamp(0) == "00:00:00.000");
  CHECK(vtt_timestamp(3723.5) == "01:02:03.500");
}

TEST_CASE("poster size follows the top rung, at most 1280 wide") {
  CHECK(poster_size(1920, 1080).width == 1280);
  CHECK(poster_size(1920, 1080).height == 720);
  CHECK(poster_size(720, 1280).width == 720);
  CHECK(poster_size(720, 1280).height == 1280);
  CHECK(poster_size(0, 0).width == 0);
}

namespace {

// Mean luma of a JPEG file, decoded with libavcodec.
double jpeg_mean_luma(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
  CodecContextPtr ctx = make_codec_context(codec, "test mjpeg");
  REQUIRE(avcodec_open2(ctx.get(), codec, nullptr) == 0);
  AvPacketPtr packet = make_packet();
  REQUIRE(av_new_packet(packet.get(), static_cast<int>(data.size())) == 0);
  std::memcpy(packet->data, data.data(), data.size());
  REQUIRE(avcodec_send_packet(ctx.get(), packet.get()) == 0);
  FramePtr frame = make_frame();
  REQUIRE(avcodec_receive_frame(ctx.get(), frame.get()) == 0);
  double sum = 0;
  for (int y = 0; y < frame->height; ++y) {
    for (int x = 0; x < frame->width; ++x) sum += frame->data[0][y * frame->linesize[0] + x];
  }
  return sum / (frame->width * frame->height);
}

}  // namespace

TEST_CASE("a storyboard and poster come out of offered frames") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / fmt::format("tidecast-thumbs-{}", ::getpid());
  fs::create_directories(dir);
  Thumbnailer thumbs(3.0, {320, 180});
  FramePtr frame = make_frame();
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = 320;
  frame->height = 180;
  REQUIRE(av_frame_get_buffer(frame.get(), 0) == 0);
  for (int i = 0; i < 75; ++i) {  // 3 s at 25 fps, black for the first 0.5 s, then grey
    const int luma = i < 12 ? 16 : 128;
    for (int y = 0; y < 180; ++y) std::memset(frame->data[0] + y * frame->linesize[0], luma, 320);
    for (int p = 1; p < 3; ++p) {
      for (int y = 0; y < 90; ++y) std::memset(frame->data[p] + y * frame->linesize[p], 128, 160);
    }
    thumbs.offer(*frame, i / 25.0);
  }
  thumbs.write(dir, 3.0);
  CHECK(fs::file_size(dir / "poster.jpg") > 100);
  CHECK(jpeg_mean_luma(dir / "poster.jpg") > 100);  // at 10 % (0.3 s) the picture is black: a later frame is taken
  CHECK(fs::file_size(dir / "storyboard.jpg") > 100);
  std::ifstream in(dir / "storyboard.vtt");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("00:00:02.000 --> 00:00:03.000\nstoryboard.jpg#xywh=320,0,160,90") != std::string::npos);
  fs::remove_all(dir);
}

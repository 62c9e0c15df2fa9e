#include <doctest/doctest.h>

#include <vector>

#include "rtmp/ingest.hpp"

using namespace tidecast;
using rtmp::AmfValue;
using rtmp::IngestAssembler;

namespace {

// avcC of a 1280x720 High profile stream (from ffmpeg/libx264).
const std::vector<std::uint8_t> kAvcC = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1f,
                                             0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
                                             0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60, 0x01, 0x00,
                                             0x04, 0x68, 0xef, 0x8f, 0xcb, 0xfd, 0xf8, 0xf8, 0x00};
// AudioSpecificConfig: AAC-LC, 48 kHz, stereo.
const std::vector<std::uint8_t> kAsc = {0x11, 0x90};

std::vector<std::uint8_t> video_tag(std::uint8_t first, std::uint8_t packet_type, std::vector<std::uint8_t> body,
                                    std::int32_t cts = 0) {
  std::vector<std::uint8_t> tag = {first, packet_type, static_cast<std::uint8_t>((cts >> 16) & 0xff),
                                   static_cast<std::uint8_t>((cts >> 8) & 0xff), static_cast<std::uint8_t>(cts & 0xff)};
  tag.insert(tag.end(), body.begin(), body.end());
  return tag;
}

std::vector<std::uint8_t> audio_tag(std::uint8_t packet_type, std::vector<std::uint8_t> body) {
  std::vector<std::uint8_t> tag = {0xaf, packet_type};
  tag.insert(tag.end(), body.begin(), body.end());
  return tag;
}

const std::vector<std::uint8_t> kNal = {0x00, 0x00, 0x00, 0x02, 0x65, 0x88};

AmfValue metadata(bool video, bool audio) {
  rtmp::AmfObject entries{{"framerate", 30.0}};
  if (video) entries.emplace_back("videocodecid", 7.0);
  if (audio) entries.emplace_back("audiocodecid", 10.0);
  return AmfValue::ecma_array(entries);
}

}  // namespace

TEST_CASE("the stream info waits for every announced track, then frames flow with composition times") {
  IngestAssembler ingest;
  ingest.on_metadata(metadata(true, true));
  CHECK_FALSE(ingest.on_video(0, video_tag(0x17, 0, kAvcC)).info);
  // A video frame before the audio config is held, not lost.
  auto held = ingest.on_video(0, video_tag(0x17, 1, kNal, 66));
  CHECK(held.packets.empty());
  CHECK(ingest.on_audio(0, audio_tag(0, kAsc)).packets.empty());
  auto out = ingest.on_audio(10, audio_tag(1, {0x21, 0x10}));
  REQUIRE(out.info);
  REQUIRE(out.info->video);
  REQUIRE(out.info->audio);
  CHECK(out.info->video->width == 1280);
  CHECK(out.info->video->codecs == "avc1.64001f");
  CHECK(out.info->video->frame_rate == 30.0);
  CHECK(out.info->audio->sample_rate == 48000);
  REQUIRE(out.packets.size() == 2);
  CHECK(out.packets[0]->kind == media::TrackKind::video);
  CHECK(out.packets[0]->keyframe);
  CHECK(out.packets[0]->pts - out.packets[0]->dts == 66);
  CHECK(out.packets[1]->kind == media::TrackKind::audio);
}

TEST_CASE("without metadata, the first frame after a config starts the stream") {
  IngestAssembler ingest;
  ingest.on_video(0, video_tag(0x17, 0, kAvcC));
  auto out = ingest.on_video(0, video_tag(0x17, 1, kNal));
  REQUIRE(out.info);
  CHECK_FALSE(out.info->audio);
  CHECK(out.packets.size() == 1);
  // The same configuration again is not a change; a different one is.
  CHECK_FALSE(ingest.on_video(33, video_tag(0x17, 0, kAvcC)).info);
  auto changed = kAvcC;
  changed[3] = 0x28;  // level 4.0
  ingest.on_video(66, video_tag(0x17, 0, changed));
  auto after = ingest.on_video(66, video_tag(0x17, 1, kNal));
  REQUIRE(after.info);
  CHECK(after.info->video->codecs == "avc1.640028");
}

TEST_CASE("frames before their sequence header are dropped and counted") {
  IngestAssembler ingest;
  CHECK(ingest.on_video(0, video_tag(0x27, 1, kNal)).packets.empty());
  CHECK(ingest.dropped_frames() == 1);
}

TEST_CASE("unsupported codecs and broken configs are errors with a reason") {
  IngestAssembler ingest;
  const std::vector<std::uint8_t> sorenson = {0x12, 0x00, 0x00};
  const std::vector<std::uint8_t> mp3 = {0x2f, 0x00};
  CHECK(ingest.on_video(0, sorenson).error.find("not supported") != std::string::npos);
  CHECK(ingest.on_audio(0, mp3).error.find("not supported") != std::string::npos);
  const std::vector<std::uint8_t> truncated = {0x01, 0x64};
  const auto broken = ingest.on_video(0, video_tag(0x17, 0, truncated));
  CHECK(broken.error.find("invalid h264 configuration") != std::string::npos);
}

TEST_CASE("32-bit millisecond timestamps unwrap into a 64-bit timeline") {
  rtmp::TimestampUnwrapper unwrap;
  CHECK(unwrap.unwrap(0xFFFFFF00u) == 0xFFFFFF00ll);
  CHECK(unwrap.unwrap(0x00000010u) == 0x100000010ll);  // wrapped forward
  CHECK(unwrap.unwrap(0x00000008u) == 0x100000008ll);  // small step back stays near
}

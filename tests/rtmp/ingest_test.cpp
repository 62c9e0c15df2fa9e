#include "rtmp/ingest.hpp"

#include <doctest/doctest.h>

#include <vector>

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
  // A broken config replacing a working one ends the stream.
  ingest.on_video(0, video_tag(0x17, 0, kAvcC));
  const std::vector<std::uint8_t> truncated = {0x01, 0x64};
  const auto broken = ingest.on_video(0, video_tag(0x17, 0, truncated));
  CHECK(broken.error.find("invalid h264 configuration") != std::string::npos);
}

namespace {

// An Annex B access unit: SPS and PPS (those of kAvcC) in band, then an IDR slice.
std::vector<std::uint8_t> annexb_keyframe() {
  std::vector<std::uint8_t> out = {0, 0, 0, 1};
  out.insert(out.end(), kAvcC.begin() + 8, kAvcC.begin() + 8 + 0x1a);  // SPS
  out.insert(out.end(), {0, 0, 0, 1});
  out.insert(out.end(), kAvcC.begin() + 37, kAvcC.begin() + 41);  // PPS
  out.insert(out.end(), {0, 0, 1, 0x65, 0x88, 0x84});             // IDR slice
  return out;
}

}  // namespace

TEST_CASE("an empty first sequence header is ignored (noted once) until a usable one arrives") {
  // FFmpeg's tee muxer without +global_header: an empty avcC first.
  IngestAssembler ingest;
  ingest.on_metadata(metadata(true, false));
  const auto empty = ingest.on_video(0, video_tag(0x17, 0, {}));
  CHECK(empty.error.empty());
  CHECK(empty.notice.find("ignoring an unusable h264 sequence header (avcC: truncated header)") != std::string::npos);
  const auto truncated = ingest.on_video(0, video_tag(0x17, 0, {0x01, 0x64}));
  CHECK(truncated.error.empty());
  CHECK(truncated.notice.empty());                                      // noted once
  CHECK(ingest.on_video(0, video_tag(0x27, 1, kNal)).packets.empty());  // no config: dropped
  const auto valid = ingest.on_video(33, video_tag(0x17, 0, kAvcC));
  CHECK(valid.error.empty());
  CHECK(valid.notice.find("usable h264 sequence header") != std::string::npos);
  const auto out = ingest.on_video(33, video_tag(0x17, 1, kNal));
  REQUIRE(out.info);
  CHECK(out.info->video->width == 1280);
  REQUIRE(out.packets.size() == 1);
  CHECK(out.packets[0]->data == kNal);
}

TEST_CASE("after an unusable sequence header, the first keyframe's in-band SPS/PPS give the config") {
  IngestAssembler ingest;
  CHECK(ingest.on_video(0, video_tag(0x17, 0, {})).error.empty());
  const auto out = ingest.on_video(0, video_tag(0x17, 1, annexb_keyframe()));
  CHECK(out.error.empty());
  CHECK(out.notice.find("in-band SPS/PPS") != std::string::npos);
  REQUIRE(out.info);
  REQUIRE(out.info->video);
  CHECK(out.info->video->codecs == "avc1.64001f");
  CHECK(out.info->video->width == 1280);
  REQUIRE(out.packets.size() == 1);
  // Annex B became length-prefixed NAL units: SPS, PPS, slice.
  const auto& data = out.packets[0]->data;
  REQUIRE(data.size() == 4 + 0x1a + 4 + 4 + 4 + 3);
  CHECK(data[3] == 0x1a);
  CHECK(data[4] == 0x67);
  CHECK(data[4 + 0x1a + 3] == 4);
  CHECK(data[4 + 0x1a + 4] == 0x68);
  CHECK(std::vector<std::uint8_t>(data.end() - 7, data.end()) ==
        std::vector<std::uint8_t>{0, 0, 0, 3, 0x65, 0x88, 0x84});
  // Later Annex B frames are converted too.
  const auto next = ingest.on_video(33, video_tag(0x27, 1, {0, 0, 0, 1, 0x41, 0x9a, 0x01}));
  REQUIRE(next.packets.size() == 1);
  CHECK(next.packets[0]->data == std::vector<std::uint8_t>{0, 0, 0, 3, 0x41, 0x9a, 0x01});
}

TEST_CASE("no usable config within the bound after an unusable sequence header is an error") {
  IngestAssembler ingest;
  CHECK(ingest.on_video(0, video_tag(0x17, 0, {})).error.empty());
  std::string error;
  for (std::uint32_t ms = 0; ms <= 6000 && error.empty(); ms += 33) {
    error = ingest.on_video(ms, video_tag(0x27, 1, kNal)).error;
    if (error.empty()) CHECK(ms <= 5000);
  }
  CHECK(error.find("no usable video configuration within 5 s") != std::string::npos);
  CHECK(error.find("avcC: truncated header") != std::string::npos);
}

TEST_CASE("32-bit millisecond timestamps unwrap into a 64-bit timeline") {
  rtmp::TimestampUnwrapper unwrap;
  CHECK(unwrap.unwrap(0xFFFFFF00u) == 0xFFFFFF00ll);
  CHECK(unwrap.unwrap(0x00000010u) == 0x100000010ll);  // wrapped forward
  CHECK(unwrap.unwrap(0x00000008u) == 0x100000008ll);  // small step back stays near
}

TEST_CASE("a media message's own buffer becomes the packet's data; a borrowed payload is copied") {
  IngestAssembler ingest;
  ingest.on_video(0, video_tag(0x17, 0, kAvcC));
  ingest.on_audio(0, audio_tag(0, kAsc));

  std::vector<std::uint8_t> video = video_tag(0x17, 1, kNal, 33);
  const std::uint8_t* video_buffer = video.data();
  const auto v = ingest.on_video(0, std::move(video));
  REQUIRE(v.packets.size() == 1);
  CHECK(v.packets[0]->data == kNal);                 // the FLV header is gone
  CHECK(v.packets[0]->data.data() == video_buffer);  // the same allocation, no copy

  std::vector<std::uint8_t> audio = audio_tag(1, {0x21, 0x10, 0x04});
  const std::uint8_t* audio_buffer = audio.data();
  const auto a = ingest.on_audio(23, std::move(audio));
  REQUIRE(a.packets.size() == 1);
  CHECK(a.packets[0]->data == std::vector<std::uint8_t>{0x21, 0x10, 0x04});
  CHECK(a.packets[0]->data.data() == audio_buffer);

  const std::vector<std::uint8_t> borrowed = video_tag(0x27, 1, kNal, 0);  // a span: the caller keeps it
  const auto b = ingest.on_video(33, std::span<const std::uint8_t>(borrowed));
  REQUIRE(b.packets.size() == 1);
  CHECK(b.packets[0]->data == kNal);
  CHECK(borrowed.size() == kNal.size() + 5);
}

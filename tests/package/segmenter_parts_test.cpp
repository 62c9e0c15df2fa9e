// Low latency: segments cut into parts (segmenter.hpp, "Low latency").
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "package/box_reader.hpp"
#include "package/segmenter.hpp"
#include "package/test_streams.hpp"

namespace media = tidecast::media;
namespace package = tidecast::package;
namespace test = tidecast::test;
using media::TrackKind;

namespace {

constexpr double kPart = 0.4;

// Packets in arrival order: video at `fps` with a keyframe every `gop` frames,
// AAC at 44.1 kHz arriving `audio_lag_ms` after the video of the same time.
std::vector<media::Packet> stream(double seconds, double fps, int gop, bool video = true, bool audio = true,
                                  std::int64_t audio_lag_ms = 0) {
  std::vector<std::pair<std::int64_t, media::Packet>> timed;
  if (video) {
    for (int i = 0; i < static_cast<int>(seconds * fps); ++i) {
      const std::int64_t ms = test::video_ms(i, fps);
      timed.emplace_back(ms, test::video_packet(ms, ms, i % gop == 0, static_cast<std::uint32_t>(i)));
    }
  }
  if (audio) {
    for (int i = 0; i < static_cast<int>(seconds * 44100 / 1024); ++i) {
      const std::int64_t ms = test::audio_ms(i, 44100);
      timed.emplace_back(ms + audio_lag_ms, test::audio_packet(ms, static_cast<std::uint32_t>(i)));
    }
  }
  std::stable_sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<media::Packet> out;
  for (auto& t : timed) out.push_back(std::move(t.second));
  return out;
}

struct Output {
  std::map<TrackKind, std::vector<package::PartOut>> parts;
  std::map<TrackKind, std::vector<package::SegmentOut>> segments;
  // Parts seen before their segment completed, per segment (kind, number).
  std::map<std::pair<TrackKind, std::uint32_t>, std::size_t> parts_before;
};

Output run(package::Segmenter& segmenter, const std::vector<media::Packet>& packets) {
  Output o;
  auto take = [&](std::vector<package::SegmentOut> segments) {
    for (auto& part : segmenter.take_parts()) o.parts[part.kind].push_back(part);
    for (auto& segment : segments) {
      std::size_t count = 0;
      for (const auto& part : o.parts[segment.kind]) count += part.number == segment.number ? 1 : 0;
      o.parts_before[{segment.kind, segment.number}] = count;
      o.segments[segment.kind].push_back(std::move(segment));
    }
  };
  for (const auto& packet : packets) take(segmenter.push(packet));
  take(segmenter.flush());
  return o;
}

std::vector<test::TrunEntry> entries_of(const std::vector<std::uint8_t>& bytes) {
  const auto boxes = test::parse_boxes(bytes);
  const test::Box* trun = test::find_box(boxes, "moof/traf/trun");
  REQUIRE(trun);
  return test::parse_trun(*trun).entries;
}

std::vector<package::PartOut> parts_of(const Output& o, TrackKind kind, std::uint32_t number) {
  std::vector<package::PartOut> out;
  for (const auto& part : o.parts.at(kind)) {
    if (part.number == number) out.push_back(part);
  }
  return out;
}

}  // namespace

TEST_CASE("parts: within the part target, at least 85% of it except independent and last parts, on frame starts") {
  for (const double fps : {30.0, 25.0, 24.0, 60.0, 29.97}) {
    CAPTURE(fps);
    const int gop = static_cast<int>(std::lround(fps * 2));
    package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0, .part_seconds = kPart});
    const Output o = run(segmenter, stream(12, fps, gop));
    REQUIRE(o.segments.at(TrackKind::video).size() >= 5);
    for (const auto& segment : o.segments.at(TrackKind::video)) {
      CHECK(segment.bytes.empty());
      const auto parts = parts_of(o, TrackKind::video, segment.number);
      REQUIRE(parts.size() == segment.parts.size());
      CHECK(o.parts_before.at({TrackKind::video, segment.number}) == parts.size());  // no part after its segment
      std::uint64_t at = segment.start;
      std::uint32_t samples = 0;
      for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto& part = parts[i];
        CHECK(part.index == i);
        CHECK(part.bytes == segment.parts[i]);  // the segment holds the same buffers
        CHECK(part.start == at);                // contiguous
        at += part.duration;
        CHECK(part.duration_seconds() <= kPart + 1e-9);
        const bool last = i + 1 == parts.size();
        if (!part.independent && !last) CHECK(part.duration_seconds() >= 0.85 * kPart);
        // A part starts with a whole frame: its trun adds up to its duration.
        const auto entries = entries_of(*part.bytes);
        std::uint64_t total = 0;
        for (const auto& e : entries) total += e.duration;
        CHECK(total == part.duration);
        samples += static_cast<std::uint32_t>(entries.size());
        // Independent exactly when it begins with a keyframe; here only the first.
        CHECK(part.independent == (entries.front().flags == package::kSyncSampleFlags));
        CHECK(part.independent == (i == 0));
        // Only the first part opens with styp.
        CHECK((test::parse_boxes(*part.bytes).front().type == "styp") == (i == 0));
      }
      CHECK(at == segment.start + segment.duration);
      CHECK(samples == segment.sample_count);
      CHECK(segment.size() > 0);
    }
  }
}

TEST_CASE("parts: audio parts follow the video's part boundaries, within the target, all independent") {
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0, .part_seconds = kPart});
  const Output o = run(segmenter, stream(10, 30, 60));
  const auto& audio = o.segments.at(TrackKind::audio);
  REQUIRE(audio.size() >= 4);
  for (const auto& segment : audio) {
    const auto parts = parts_of(o, TrackKind::audio, segment.number);
    const auto video = parts_of(o, TrackKind::video, segment.number);
    REQUIRE(parts.size() == segment.parts.size());
    CHECK(parts.size() == video.size());  // the same part timeline
    for (std::size_t i = 0; i < parts.size(); ++i) {
      CHECK(parts[i].independent);
      CHECK(parts[i].duration_seconds() <= kPart + 1e-9);
      const double audio_start = static_cast<double>(parts[i].start) / parts[i].timescale;
      const double video_start = static_cast<double>(video[i].start) / video[i].timescale;
      CHECK(std::abs(audio_start - video_start) < 1024.0 / 44100 + 1e-6);
    }
  }
}

TEST_CASE("parts: audio lagging the video by many segments keeps every part cut (the cap counts segments)") {
  // 0.2 s parts in 2 s segments: 11 cuts per segment; audio 15 s late
  // leaves about 8 segments (~90 cuts) waiting for it.
  constexpr double kSmallPart = 0.2;
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0, .part_seconds = kSmallPart});
  const Output o = run(segmenter, stream(30, 30, 60, true, true, 15000));
  const auto& audio = o.segments.at(TrackKind::audio);
  REQUIRE(audio.size() >= 12);
  for (const auto& segment : audio) {
    CAPTURE(segment.number);
    const auto parts = parts_of(o, TrackKind::audio, segment.number);
    CHECK(parts.size() == parts_of(o, TrackKind::video, segment.number).size());
    for (const auto& part : parts) CHECK(part.duration_seconds() <= kSmallPart + 1e-9);
  }
}

TEST_CASE("parts: a 1 s GOP in 2 s segments marks only parts that begin with the keyframe independent") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false),
                               {.target_duration_seconds = 2.0, .part_seconds = 0.5});
  const Output o = run(segmenter, stream(8, 30, 30, true, false));
  // Video only: parts cut at 0.5 s = 15 frames, so the 1 s keyframe (frame 30) opens part 2.
  const auto parts = parts_of(o, TrackKind::video, 2);
  REQUIRE(parts.size() >= 3);
  for (const auto& part : parts) {
    CHECK(part.independent == (entries_of(*part.bytes).front().flags == package::kSyncSampleFlags));
  }
  CHECK(parts[0].independent);
  CHECK_FALSE(parts[1].independent);
}

TEST_CASE("parts: a rung cut at every keyframe with the passthrough's part cut has the same part timeline") {
  package::Segmenter source(test::h264_aac_stream(), {.target_duration_seconds = 2.0, .part_seconds = kPart});
  package::Segmenter rung(test::h264_aac_stream(true, false), {.target_duration_seconds = 2.0,
                                                               .cut_at_every_keyframe = true,
                                                               .part_seconds = kPart,
                                                               .part_cut_seconds = source.part_cut_seconds()});
  const Output a = run(source, stream(8, 30, 60));
  const Output b = run(rung, stream(8, 30, 60, true, false));
  const auto& pa = a.parts.at(TrackKind::video);
  const auto& pb = b.parts.at(TrackKind::video);
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i].number == pb[i].number);
    CHECK(pa[i].index == pb[i].index);
    CHECK(pa[i].start == pb[i].start);
    CHECK(pa[i].duration == pb[i].duration);
  }
}

TEST_CASE("parts: audio-only streams cut parts on their own frame grid; normal mode has none") {
  package::Segmenter audio_only(test::h264_aac_stream(false, true),
                                {.target_duration_seconds = 2.0, .part_seconds = kPart});
  const Output o = run(audio_only, stream(6, 30, 60, false, true));
  for (const auto& segment : o.segments.at(TrackKind::audio)) {
    const auto parts = parts_of(o, TrackKind::audio, segment.number);
    REQUIRE(parts.size() == segment.parts.size());
    CHECK(parts.size() >= 4);
    for (const auto& part : parts) CHECK(part.duration_seconds() <= kPart + 1e-9);
  }

  package::Segmenter normal(test::h264_aac_stream(), {.target_duration_seconds = 2.0});
  const Output n = run(normal, stream(6, 30, 60));
  for (const auto& [kind, parts] : n.parts) CHECK(parts.empty());
  for (const auto& segment : n.segments.at(TrackKind::video)) {
    CHECK(segment.parts.empty());
    CHECK_FALSE(segment.bytes.empty());
  }
}

TEST_CASE("parts: the part target must fit the segment target") {
  CHECK_THROWS_AS(package::Segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0, .part_seconds = 3}),
                  std::invalid_argument);
  CHECK_THROWS_AS(package::Segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0, .part_seconds = 0.01}),
                  std::invalid_argument);
}

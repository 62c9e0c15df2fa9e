#include "package/segmenter.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "package/box_reader.hpp"
#include "package/test_streams.hpp"

namespace media = tidecast::media;
namespace package = tidecast::package;
namespace test = tidecast::test;
using media::TrackKind;

namespace {

struct StreamShape {
  double seconds = 10;
  double fps = 30;
  int gop_frames = 30;
  int sample_rate = 44100;
  bool video = true;
  bool audio = true;
  bool b_frames = false;  // pts = dts + 2 frames for non-key frames
  std::int64_t start_ms = 0;
  std::int64_t audio_lag_ms = 0;  // audio packets arrive this much later than video of the same time
};

// Packets in arrival order (by dts, audio shifted by audio_lag_ms).
std::vector<media::Packet> make_stream(const StreamShape& shape) {
  struct Timed {
    std::int64_t arrival;
    media::Packet packet;
  };
  std::vector<Timed> timed;
  if (shape.video) {
    const int frames = static_cast<int>(shape.seconds * shape.fps);
    for (int i = 0; i < frames; ++i) {
      const bool key = i % shape.gop_frames == 0;
      const std::int64_t dts = shape.start_ms + test::video_ms(i, shape.fps);
      const std::int64_t pts = shape.b_frames ? dts + test::video_ms(2, shape.fps) : dts;
      timed.push_back({dts, test::video_packet(dts, pts, key, static_cast<std::uint32_t>(i))});
    }
  }
  if (shape.audio) {
    const int frames = static_cast<int>(shape.seconds * shape.sample_rate / 1024);
    for (int i = 0; i < frames; ++i) {
      const std::int64_t dts = shape.start_ms + test::audio_ms(i, shape.sample_rate);
      timed.push_back({dts + shape.audio_lag_ms, test::audio_packet(dts, static_cast<std::uint32_t>(i))});
    }
  }
  std::stable_sort(timed.begin(), timed.end(), [](const Timed& a, const Timed& b) { return a.arrival < b.arrival; });
  std::vector<media::Packet> out;
  for (auto& t : timed) out.push_back(std::move(t.packet));
  return out;
}

struct Collected {
  std::vector<package::SegmentOut> video;
  std::vector<package::SegmentOut> audio;
  void add(std::vector<package::SegmentOut> segments) {
    for (auto& s : segments) (s.kind == TrackKind::video ? video : audio).push_back(std::move(s));
  }
};

Collected run(package::Segmenter& segmenter, const std::vector<media::Packet>& packets, bool flush = true) {
  Collected c;
  for (const auto& packet : packets) c.add(segmenter.push(packet));
  if (flush) c.add(segmenter.flush());
  return c;
}

std::vector<test::TrunEntry> entries_of(const package::SegmentOut& segment) {
  const auto boxes = test::parse_boxes(segment.bytes);
  const test::Box* trun = test::find_box(boxes, "moof/traf/trun");
  REQUIRE(trun);
  const test::Box* tfdt = test::find_box(boxes, "moof/traf/tfdt");
  REQUIRE(tfdt);
  CHECK(test::be64(tfdt->body, 4) == segment.start);
  CHECK(test::be32(test::find_box(boxes, "moof/mfhd")->body, 4) == segment.number);
  return test::parse_trun(*trun).entries;
}

// Every segment continues where the previous one of its track ended, its
// sample durations add up to its duration, and numbers increase.
void check_continuous(const std::vector<package::SegmentOut>& segments) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto entries = entries_of(segments[i]);
    std::uint64_t total = 0;
    for (const auto& e : entries) total += e.duration;
    CHECK(total == segments[i].duration);
    CHECK(entries.size() == segments[i].sample_count);
    if (i > 0) {
      CHECK(segments[i].start == segments[i - 1].start + segments[i - 1].duration);
      CHECK(segments[i].number > segments[i - 1].number);
    }
  }
}

}  // namespace

TEST_CASE("2 s target with 1 s GOPs gives 2 s video segments starting on keyframes") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false), {.target_duration_seconds = 2.0});
  CHECK(segmenter.has_track(TrackKind::video));
  CHECK_FALSE(segmenter.has_track(TrackKind::audio));
  CHECK_THROWS_AS(segmenter.init_segment(TrackKind::audio), std::out_of_range);
  CHECK_FALSE(segmenter.init_segment(TrackKind::video).empty());
  CHECK(segmenter.track_spec(TrackKind::video).timescale == 90000);

  const auto c = run(segmenter, make_stream({.seconds = 10, .audio = false}));
  REQUIRE(c.video.size() == 5);
  for (std::size_t i = 0; i < c.video.size(); ++i) {
    CHECK(c.video[i].number == i + 1);
    CHECK(c.video[i].start == i * 180000);
    // The last segment ends at flush(): its last frame's duration is estimated
    // from the average (the exact frame times are 33.33 ms, rounded to ms).
    if (i + 1 < c.video.size()) CHECK(c.video[i].duration == 180000);
    CHECK(c.video[i].duration_seconds == doctest::Approx(2.0).epsilon(0.001));
    CHECK(c.video[i].starts_with_keyframe);
    CHECK(c.video[i].sample_count == 60);
    CHECK_FALSE(c.video[i].discontinuity);
  }
  check_continuous(c.video);
  const auto entries = entries_of(c.video[0]);
  CHECK(entries[0].flags == package::kSyncSampleFlags);
  CHECK(entries[1].flags == package::kNonSyncSampleFlags);
  CHECK(entries[30].flags == package::kSyncSampleFlags);  // the 1 s keyframe inside the 2 s segment
  // ms timestamps (33/34 ms) convert exactly: 2970 or 3060 ticks, never drifting.
  for (const auto& e : entries) CHECK((e.duration == 2970 || e.duration == 3060));
}

TEST_CASE("1 s target with 1 s GOPs gives 1 s segments; 29.97 fps rounding does not skip a keyframe") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false), {.target_duration_seconds = 1.0});
  const auto c = run(segmenter, make_stream({.seconds = 6, .audio = false}));
  REQUIRE(c.video.size() == 6);
  for (std::size_t i = 0; i + 1 < c.video.size(); ++i) CHECK(c.video[i].duration == 90000);
  CHECK(c.video.back().duration_seconds == doctest::Approx(1.0).epsilon(0.001));

  // 29.97 fps with 30-frame GOPs: keyframes every 1.001 s.
  package::Segmenter ntsc(test::h264_aac_stream(true, false), {.target_duration_seconds = 1.0});
  const auto n = run(ntsc, make_stream({.seconds = 6, .fps = 30000.0 / 1001.0, .gop_frames = 30, .audio = false}));
  REQUIRE(n.video.size() >= 5);
  for (std::size_t i = 0; i + 1 < n.video.size(); ++i)
    CHECK(n.video[i].duration_seconds == doctest::Approx(1.001).epsilon(0.002));
}

TEST_CASE("audio segments are cut at the video cut times and share numbers") {
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0});
  CHECK(segmenter.track_spec(TrackKind::audio).timescale == 44100);
  const auto c = run(segmenter, make_stream({.seconds = 10}));
  REQUIRE(c.video.size() == 5);
  REQUIRE(c.audio.size() == 5);
  for (std::size_t i = 0; i < c.video.size(); ++i) {
    CHECK(c.audio[i].number == c.video[i].number);
    CHECK(std::abs(c.audio[i].start_seconds - c.video[i].start_seconds) <= 1024.0 / 44100);
    CHECK(c.audio[i].start_seconds >= c.video[i].start_seconds);
    CHECK(c.audio[i].starts_with_keyframe);
  }
  check_continuous(c.audio);
  for (const auto& s : c.audio) {
    for (const auto& e : entries_of(s)) CHECK(e.duration == 1024);
  }
  CHECK(segmenter.stats().audio_reanchors == 0);
  CHECK(segmenter.stats().dropped_audio == 0);
}

TEST_CASE("audio arriving late or early relative to video is still aligned") {
  for (const std::int64_t lag : {400, -300}) {
    CAPTURE(lag);
    package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 1.0});
    const auto c = run(segmenter, make_stream({.seconds = 8, .audio_lag_ms = lag}));
    REQUIRE(c.video.size() == 8);
    REQUIRE(c.audio.size() == 8);
    for (std::size_t i = 0; i < c.video.size(); ++i) {
      CHECK(c.audio[i].number == c.video[i].number);
      CHECK(std::abs(c.audio[i].start_seconds - c.video[i].start_seconds) <= 1024.0 / 44100);
    }
    check_continuous(c.audio);
  }
}

TEST_CASE("packets before the first keyframe are dropped; the keyframe is time 0 of both tracks") {
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0});
  std::vector<media::Packet> packets;
  // 0.5 s of audio and non-key video before the first keyframe at 5000 ms.
  for (int i = 0; i < 15; ++i)
    packets.push_back(test::video_packet(4500 + test::video_ms(i, 30), 4500 + test::video_ms(i, 30), false, 0));
  const auto stream = make_stream({.seconds = 6, .start_ms = 5000});
  for (int i = 0; i < 21; ++i) packets.push_back(test::audio_packet(4530 + test::audio_ms(i, 44100), 0));
  std::stable_sort(packets.begin(), packets.end(), [](const auto& a, const auto& b) { return a.dts < b.dts; });
  packets.insert(packets.end(), stream.begin(), stream.end());
  const auto c = run(segmenter, packets);
  CHECK(segmenter.stats().dropped_before_keyframe == 15 + 21);
  REQUIRE(!c.video.empty());
  REQUIRE(!c.audio.empty());
  CHECK(c.video[0].start == 0);
  CHECK(c.audio[0].start == 0);  // audio at 5000 ms lines up with the keyframe at 5000 ms
}

TEST_CASE("audio that starts after the keyframe keeps its offset") {
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0});
  auto packets = make_stream({.seconds = 4, .audio = false});
  for (int i = 0; i < 150; ++i) packets.push_back(test::audio_packet(250 + test::audio_ms(i, 44100), 0));
  std::stable_sort(packets.begin(), packets.end(), [](const auto& a, const auto& b) { return a.dts < b.dts; });
  const auto c = run(segmenter, packets);
  REQUIRE(!c.audio.empty());
  CHECK(c.audio[0].start == 11025);  // 250 ms at 44.1 kHz
  CHECK(c.audio[0].number == c.video[0].number);
}

TEST_CASE("B-frames: composition offsets are pts - dts in the 90 kHz timescale") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false), {.target_duration_seconds = 2.0});
  const auto c = run(segmenter, make_stream({.seconds = 4, .audio = false, .b_frames = true}));
  REQUIRE(!c.video.empty());
  for (const auto& e : entries_of(c.video[0])) CHECK(e.composition_offset == 67 * 90);
}

TEST_CASE("backwards and repeated DTS are clamped and counted") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false), {.target_duration_seconds = 1.0});
  auto packets = make_stream({.seconds = 3, .audio = false});
  packets[10].dts = packets[10].pts = packets[9].dts;        // repeated
  packets[20].dts = packets[20].pts = packets[19].dts - 20;  // backwards
  const auto c = run(segmenter, packets);
  CHECK(segmenter.stats().non_monotonic_dts == 2);
  CHECK(c.video.size() == 3);
  check_continuous(c.video);
  for (const auto& s : c.video) {
    for (const auto& e : entries_of(s)) CHECK(e.duration > 0);
  }
}

TEST_CASE("a publisher clock jump is re-based and counted; segments stay regular") {
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 1.0});
  auto packets = make_stream({.seconds = 6});
  for (auto& p : packets) {
    if (p.dts >= 3000) {
      p.dts += 3'600'000;  // one hour forward from 3 s on, both tracks
      p.pts += 3'600'000;
    }
  }
  const auto c = run(segmenter, packets);
  CHECK(segmenter.stats().timestamp_jumps >= 1);
  REQUIRE(c.video.size() == 6);
  for (const auto& s : c.video) CHECK(s.duration_seconds == doctest::Approx(1.0).epsilon(0.05));
  check_continuous(c.video);
  check_continuous(c.audio);
  REQUIRE(c.audio.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(std::abs(c.audio[i].start_seconds - c.video[i].start_seconds) <= 0.05);
}

TEST_CASE("an audio gap over 0.5 s re-anchors the audio timeline") {
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 2.0});
  auto packets = make_stream({.seconds = 6});
  std::erase_if(packets,
                [](const media::Packet& p) { return p.kind == TrackKind::audio && p.dts > 2500 && p.dts < 3500; });
  const auto c = run(segmenter, packets);
  CHECK(segmenter.stats().audio_reanchors == 1);
  REQUIRE(c.audio.size() == 3);
  // The gap stays a gap: the sample before it lasts until the next one.
  const auto entries = entries_of(c.audio[1]);
  const auto longest =
      std::max_element(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.duration < b.duration; });
  CHECK(longest->duration > 44100 / 2);
}

TEST_CASE("discontinuity(): closes open segments, flags the next ones, numbering and timeline continue") {
  package::Segmenter segmenter(test::h264_aac_stream(), {.target_duration_seconds = 1.0});
  Collected c = run(segmenter, make_stream({.seconds = 3}), false);
  c.add(segmenter.discontinuity());
  const std::size_t before_video = c.video.size();
  const std::size_t before_audio = c.audio.size();
  REQUIRE(before_video == 3);
  REQUIRE(before_audio == 3);
  // The publisher comes back with its clock restarted at 0.
  const auto second = run(segmenter, make_stream({.seconds = 2}));
  c.video.insert(c.video.end(), second.video.begin(), second.video.end());
  c.audio.insert(c.audio.end(), second.audio.begin(), second.audio.end());
  REQUIRE(c.video.size() == 5);
  CHECK(c.video[before_video].discontinuity);
  CHECK(c.audio[before_audio].discontinuity);
  CHECK_FALSE(c.video[before_video + 1].discontinuity);
  CHECK(c.video[before_video].number == c.video[before_video - 1].number + 1);
  CHECK(c.video[before_video].start == c.video[before_video - 1].start + c.video[before_video - 1].duration);
  CHECK(c.audio[before_audio].number == c.video[before_video].number);
  CHECK(std::abs(c.audio[before_audio].start_seconds - c.video[before_video].start_seconds) <= 1024.0 / 44100);
  check_continuous(c.video);
}

TEST_CASE("audio-only streams cut every target duration on an exact grid") {
  package::Segmenter segmenter(test::h264_aac_stream(false, true), {.target_duration_seconds = 2.0});
  const auto c = run(segmenter, make_stream({.seconds = 9, .video = false}));
  REQUIRE(c.video.empty());
  REQUIRE(c.audio.size() == 5);
  for (std::size_t i = 0; i < c.audio.size(); ++i) {
    CHECK(c.audio[i].number == i + 1);
    CHECK(std::abs(c.audio[i].start_seconds - 2.0 * static_cast<double>(i)) <= 1024.0 / 44100);
  }
  check_continuous(c.audio);
}

TEST_CASE("without keyframes a video segment is cut at the maximum duration") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false),
                               {.target_duration_seconds = 1.0, .max_duration_seconds = 3.0});
  const auto c = run(segmenter, make_stream({.seconds = 7, .gop_frames = 100000, .audio = false}));
  REQUIRE(c.video.size() == 3);
  CHECK(c.video[0].starts_with_keyframe);
  CHECK_FALSE(c.video[1].starts_with_keyframe);
  CHECK(c.video[0].duration_seconds == doctest::Approx(3.0).epsilon(0.02));
  CHECK(segmenter.stats().forced_cuts == 2);
}

TEST_CASE("the init segment declares 4-byte NAL lengths whatever the avcC said") {
  media::StreamInfo info = test::h264_aac_stream(true, false);
  info.video->decoder_config[4] = 0xfd;  // lengthSizeMinusOne = 1
  info.video->width = 0;                 // filled in from the SPS
  package::Segmenter segmenter(info);
  const auto boxes = test::parse_boxes(segmenter.init_segment(TrackKind::video));
  const test::Box* avcc = test::find_box(boxes, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC");
  REQUIRE(avcc);
  CHECK((avcc->body[4] & 0x03) == 3);
  CHECK(segmenter.track_spec(TrackKind::video).video()->width == 1280);
}

TEST_CASE("packets for absent tracks or without data are counted, not segmented") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false));
  CHECK(segmenter.push(test::audio_packet(0, 0)).empty());
  media::Packet empty = test::video_packet(0, 0, true, 0);
  empty.data.clear();
  CHECK(segmenter.push(empty).empty());
  media::Packet zero_timescale = test::video_packet(0, 0, true, 0);
  zero_timescale.timescale = 0;
  CHECK(segmenter.push(zero_timescale).empty());
  CHECK(segmenter.stats().dropped_no_track == 3);
  CHECK(segmenter.flush().empty());
}

TEST_CASE("constructor rejects unusable stream descriptions") {
  CHECK_THROWS_AS(package::Segmenter{media::StreamInfo{}}, std::invalid_argument);
  media::StreamInfo broken = test::h264_aac_stream();
  broken.video->decoder_config.resize(10);
  CHECK_THROWS_AS(package::Segmenter{broken}, std::invalid_argument);
  CHECK_THROWS_AS(package::Segmenter(test::h264_aac_stream(), {.target_duration_seconds = 0}), std::invalid_argument);
}

TEST_CASE("90 kHz input timestamps work too") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false), {.target_duration_seconds = 1.0});
  auto packets = make_stream({.seconds = 3, .audio = false});
  for (auto& p : packets) {
    p.dts *= 90;
    p.pts *= 90;
    p.timescale = 90000;
  }
  const auto c = run(segmenter, packets);
  REQUIRE(c.video.size() == 3);
  CHECK(c.video[0].duration == 90000);
}

TEST_CASE("random timestamps, gaps, jumps and discontinuities never break segment invariants") {
  std::uint32_t state = 2024;
  const auto next = [&](std::uint32_t range) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % range;
  };
  for (int round = 0; round < 20; ++round) {
    CAPTURE(round);
    package::Segmenter segmenter(test::h264_aac_stream(round % 5 != 3, round % 5 != 4),
                                 {.target_duration_seconds = round % 2 ? 1.0 : 2.0, .max_duration_seconds = 4.0});
    Collected c;
    std::int64_t video_ms = 1000, audio_ms = 1000;
    for (int i = 0; i < 3000; ++i) {
      const bool video = next(2) == 0;
      std::int64_t& clock = video ? video_ms : audio_ms;
      switch (next(100)) {
        case 0:
          clock += 20000;
          break;  // forward jump
        case 1:
          clock -= 5000;
          break;  // backward jump
        case 2:
          clock -= 10;
          break;  // small step back
        case 3:
          clock += 700;
          break;  // gap
        case 4:
          c.add(segmenter.discontinuity());
          clock = video_ms = audio_ms = next(5000);
          break;
        default:
          clock += video ? 33 : 23;
          break;
      }
      c.add(segmenter.push(
          video ? test::video_packet(clock, clock + 33 * static_cast<std::int64_t>(next(3)), next(40) == 0, 0)
                : test::audio_packet(clock, 0)));
    }
    c.add(segmenter.flush());
    CHECK(c.video.size() + c.audio.size() > 20);
    CHECK(segmenter.stats().timestamp_jumps > 0);
    for (const auto* segments : {&c.video, &c.audio}) {
      for (std::size_t i = 0; i < segments->size(); ++i) {
        const auto& s = (*segments)[i];
        const auto entries = entries_of(s);
        std::uint64_t total = 0;
        for (const auto& e : entries) total += e.duration;
        CHECK(total == s.duration);
        if (i > 0) {
          CHECK(s.start >= (*segments)[i - 1].start + (*segments)[i - 1].duration);
          CHECK(s.number > (*segments)[i - 1].number);
        }
      }
    }
    // Segments with the same number cover roughly the same time.
    for (const auto& a : c.audio) {
      for (const auto& v : c.video) {
        if (v.number != a.number) continue;
        CHECK(a.start_seconds >= v.start_seconds - 0.03);
        CHECK(a.start_seconds < v.start_seconds + v.duration_seconds + 0.03);
      }
    }
  }
}

TEST_CASE("video_segment_starts lists each segment's number, tfdt and input timestamps, the open one included") {
  package::Segmenter segmenter(test::h264_aac_stream(true, false),
                               {.target_duration_seconds = 2.0, .timeline_start_seconds = 10.0});
  const auto c = run(segmenter, make_stream({.seconds = 7, .audio = false, .start_ms = 5000}), false);
  REQUIRE(c.video.size() == 3);
  const auto& starts = segmenter.video_segment_starts();
  REQUIRE(starts.size() == 4);  // 3 closed + the open one from 6 s on
  for (std::size_t i = 0; i < starts.size(); ++i) {
    CHECK(starts[i].number == i + 1);
    CHECK(starts[i].start == 900000 + i * 180000);
    CHECK(starts[i].input_dts == 5000 + static_cast<std::int64_t>(i) * 2000);
    CHECK(starts[i].input_pts == starts[i].input_dts);
    CHECK(starts[i].input_timescale == 1000);
    if (i < c.video.size()) CHECK(c.video[i].start == starts[i].start);
  }
  segmenter.flush();
  CHECK(segmenter.video_segment_starts().empty());
}

TEST_CASE("a second segmenter joins the first one's timeline and numbers at a shared keyframe") {
  // The source: 1-s GOPs cut into 2-s segments. The "rung" has keyframes only
  // at the source's segment starts and joins mid-stream (as after a shed).
  package::Segmenter source(test::h264_aac_stream(true, false), {.target_duration_seconds = 2.0});
  const auto packets = make_stream({.seconds = 12, .audio = false, .start_ms = 700});
  const auto from_source = run(source, packets, false);
  const auto starts = source.video_segment_starts();
  REQUIRE(starts.size() >= 5);
  const auto& join = starts[3];  // segment 4, from 6 s

  package::Segmenter rung(test::h264_aac_stream(true, false),
                          {.target_duration_seconds = 2.0,
                           .first_number = join.number,
                           .timeline_start_seconds = static_cast<double>(join.start) / 90000.0,
                           .cut_at_every_keyframe = true});
  Collected joined;
  for (const auto& packet : packets) {
    if (packet.dts < join.input_dts) continue;
    media::Packet copy = packet;
    // Keyframes only at the source's segment starts (every 2 s), as the ladder forces them.
    copy.keyframe = std::any_of(starts.begin(), starts.end(), [&](const auto& s) { return s.input_pts == packet.pts; });
    joined.add(rung.push(copy));
  }
  REQUIRE(joined.video.size() >= 2);
  for (const auto& segment : joined.video) {
    const auto same = std::find_if(from_source.video.begin(), from_source.video.end(),
                                   [&](const auto& s) { return s.number == segment.number; });
    REQUIRE(same != from_source.video.end());
    CHECK(segment.start == same->start);
    CHECK(segment.duration == same->duration);
    CHECK(segment.starts_with_keyframe);
  }
  CHECK(joined.video.front().number == join.number);
}

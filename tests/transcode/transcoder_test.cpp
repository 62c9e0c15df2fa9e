// LadderTranscoder on a small in-memory stream: a source encoded here with
// libx264 (noise + moving gradient, 320x240, 30 fps, millisecond timestamps),
// decoded once and re-encoded into two rungs on a real CPU pool.
#include <doctest/doctest.h>

#include <condition_variable>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include "core/cpu_pool.hpp"
#include "media/avc.hpp"
#include "transcode/live_thumbnail.hpp"
#include "transcode/live_transcoder.hpp"

using namespace tidecast;
using namespace tidecast::transcode;

namespace {

std::int64_t frame_ms(int index) {
  return (index * 1000 + 15) / 30;
}

struct Source {
  media::StreamInfo info;
  std::vector<media::PacketPtr> packets;
};

// `gop`: a keyframe every `gop` frames. `cts_ms`: DTS = PTS - cts_ms, like a
// publisher with B-frames.
// A 320x240 x264 rung at 1.5 Mb/s.
RungPlan plan_320x240(const char* preset) {
  RungPlan plan;
  plan.rung.name = "source";
  plan.rung.height = 240;
  plan.rung.video_bitrate_kbps = 1500;
  plan.rung.maxrate_kbps = 3000;
  plan.rung.bufsize_kbps = 3000;
  plan.rung.preset = preset;
  plan.width = 320;
  plan.height = 240;
  return plan;
}

FramePtr frame_320x240() {
  FramePtr frame = make_frame();
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = 320;
  frame->height = 240;
  REQUIRE(av_frame_get_buffer(frame.get(), 0) == 0);
  return frame;
}

Source make_source(int frames, int gop, int cts_ms = 0) {
  RungEncoder encoder(plan_320x240("ultrafast"), 1000, 30);
  FramePtr frame = frame_320x240();
  std::uint32_t seed = 12345;
  std::vector<EncodedPacket> out;
  for (int i = 0; i < frames; ++i) {
    REQUIRE(av_frame_make_writable(frame.get()) == 0);
    for (int y = 0; y < 240; ++y) {
      for (int x = 0; x < 320; ++x) {
        seed = seed * 1664525u + 1013904223u;
        frame->data[0][y * frame->linesize[0] + x] = static_cast<std::uint8_t>((x + y + 4 * i) / 3 + (seed >> 28));
      }
    }
    for (int p = 1; p <= 2; ++p) {
      for (int y = 0; y < 120; ++y) std::memset(frame->data[p] + y * frame->linesize[p], 96 + 40 * p + i % 20, 160);
    }
    encoder.encode(frame.get(), frame_ms(i), i % gop == 0, out);
  }
  encoder.flush(out);
  Source source;
  source.info.video = media::avc_video_config(encoder.avcc());
  source.info.video->frame_rate = 30;
  for (auto& encoded : out) {
    auto packet = std::make_shared<media::Packet>();
    packet->pts = encoded.pts;
    packet->dts = encoded.pts - cts_ms;
    packet->keyframe = encoded.keyframe;
    packet->data = std::move(encoded.data);
    source.packets.push_back(std::move(packet));
  }
  return source;
}

LadderConfig two_rungs() {
  LadderConfig config;
  config.source_height_rung = true;  // the 240p rung of these 240p sources: two rungs to align
  config.rungs.clear();
  for (auto [name, height, kbps] : {std::tuple{"240p", 240, 600}, std::tuple{"120p", 120, 200}}) {
    Rung rung;
    rung.name = name;
    rung.height = height;
    rung.video_bitrate_kbps = kbps;
    rung.profile = "main";
    config.rungs.push_back(rung);
  }
  return config;
}

struct Collected {
  std::mutex mutex;
  std::map<std::size_t, media::StreamInfo> info;
  std::map<std::size_t, std::vector<media::PacketPtr>> packets;
  std::map<std::size_t, std::vector<std::pair<bool, std::size_t>>> states;  // (active, packets before it)

  LadderCallbacks callbacks() {
    LadderCallbacks cb;
    cb.on_rung_info = [this](std::size_t rung, const media::StreamInfo& stream) {
      std::lock_guard lock(mutex);
      info[rung] = stream;
    };
    cb.on_rung_packet = [this](std::size_t rung, media::PacketPtr packet) {
      std::lock_guard lock(mutex);
      packets[rung].push_back(std::move(packet));
    };
    cb.on_rung_state = [this](std::size_t rung, bool active) {
      std::lock_guard lock(mutex);
      states[rung].emplace_back(active, packets[rung].size());
    };
    return cb;
  }

  std::set<std::int64_t> keyframe_pts(std::size_t rung) {
    std::set<std::int64_t> out;
    for (const auto& packet : packets[rung]) {
      if (packet->keyframe) out.insert(packet->pts);
    }
    return out;
  }
};

void flush_and_wait(LadderTranscoder& ladder) {
  std::promise<void> done;
  ladder.flush([&done] { done.set_value(); });
  REQUIRE(done.get_future().wait_for(std::chrono::seconds(120)) == std::future_status::ready);
}

struct QuietLibav {
  QuietLibav() { set_libav_log_level(core::LogLevel::info); }
} quiet_libav;

}  // namespace

TEST_CASE("every rung gets IDRs at the same source frames: keyframes >= segment_seconds apart") {
  struct Case {
    int gop;
    double segment_seconds;
    int cts_ms;
    std::set<std::int64_t> expected;
  };
  // 0.5-s GOPs, 1-s segments: every other source keyframe. 1.5-s GOPs, 2-s
  // segments: keyframes at 0, 1.5, 3, 4.5 s -> forced at 0 and 3 s only.
  for (const Case& c : {Case{15, 1.0, 0, {frame_ms(0), frame_ms(30), frame_ms(60), frame_ms(90)}},
                        Case{45, 2.0, 67, {frame_ms(0), frame_ms(90)}}}) {
    CAPTURE(c.gop);
    const Source source = make_source(120, c.gop, c.cts_ms);
    core::CpuPool pool(2);
    Collected got;
    LadderOptions options;
    options.cpu_threads = 2;
    options.allow_shedding = false;  // the whole stream arrives at once
    LadderTranscoder ladder(source.info, 1000, two_rungs(), c.segment_seconds, pool.executor(), got.callbacks(),
                            options);
    REQUIRE(ladder.rungs().size() == 2);
    for (const auto& packet : source.packets) ladder.push(packet);
    flush_and_wait(ladder);

    std::lock_guard lock(got.mutex);
    std::set<std::int64_t> source_pts;
    for (const auto& packet : source.packets) source_pts.insert(packet->pts);
    for (std::size_t rung = 0; rung < 2; ++rung) {
      CAPTURE(rung);
      const auto& info = got.info.at(rung);
      REQUIRE(info.video);
      CHECK(info.video->width == (rung == 0 ? 320 : 160));
      CHECK(info.video->height == (rung == 0 ? 240 : 120));
      CHECK(info.video->codecs.starts_with("avc1.4d"));
      CHECK(info.video->frame_rate == 30);
      const auto& packets = got.packets.at(rung);
      REQUIRE(packets.size() == source.packets.size());
      CHECK(packets.front()->keyframe);
      CHECK(got.keyframe_pts(rung) == c.expected);
      std::set<std::int64_t> pts;
      for (std::size_t i = 0; i < packets.size(); ++i) {
        const auto& packet = *packets[i];
        pts.insert(packet.pts);
        CHECK(packet.timescale == 1000);
        CHECK(packet.keyframe == media::avc_is_idr(packet.data, 4));
        if (i > 0) CHECK(packet.dts > packets[i - 1]->dts);
        // Same composition offset as the source: an IDR's DTS equals the source keyframe's.
        CHECK(packet.pts - packet.dts == c.cts_ms);
      }
      CHECK(pts == source_pts);
    }
    const LadderStats stats = ladder.stats();
    CHECK(stats.decoded_frames == source.packets.size());
    CHECK(stats.rungs[0].frames == source.packets.size());
    CHECK(stats.rungs[1].name == "120p");
    CHECK(stats.decode_errors == 0);
  }
}

TEST_CASE("an unknown source frame rate is estimated from timestamps, not taken from x264's VUI") {
  Source source = make_source(30, 15);
  source.info.video->frame_rate = 0;
  core::CpuPool pool(2);
  Collected got;
  LadderOptions options;
  options.allow_shedding = false;
  LadderTranscoder ladder(source.info, 1000, two_rungs(), 1.0, pool.executor(), got.callbacks(), options);
  for (const auto& packet : source.packets) ladder.push(packet);
  flush_and_wait(ladder);
  std::lock_guard lock(got.mutex);
  CHECK(got.info.at(0).video->frame_rate == 30);
  CHECK(got.packets.at(0).size() == 30);
}

TEST_CASE("a stream starting mid-GOP and carrying garbage resynchronises on keyframes") {
  const Source source = make_source(90, 15);
  core::CpuPool pool(2);
  Collected got;
  LadderOptions options;
  options.allow_shedding = false;
  LadderTranscoder ladder(source.info, 1000, two_rungs(), 1.0, pool.executor(), got.callbacks(), options);
  std::uint32_t seed = 7;
  for (std::size_t i = 5; i < source.packets.size(); ++i) {  // starts without its keyframe
    if (i == 40) {
      auto garbage = std::make_shared<media::Packet>(*source.packets[i]);
      for (auto& byte : garbage->data) byte = static_cast<std::uint8_t>((seed = seed * 1103515245u + 12345u) >> 24);
      garbage->data[0] = garbage->data[1] = garbage->data[2] = 0;
      garbage->data[3] = 8;  // a NAL unit of length 8, then junk lengths
      ladder.push(garbage);
      continue;
    }
    ladder.push(source.packets[i]);
  }
  flush_and_wait(ladder);
  std::lock_guard lock(got.mutex);
  const LadderStats stats = ladder.stats();
  CHECK(stats.skipped_packets >= 10);  // frames 5..14 before the first keyframe
  for (std::size_t rung = 0; rung < 2; ++rung) {
    const auto& packets = got.packets.at(rung);
    REQUIRE_FALSE(packets.empty());
    CHECK(packets.front()->keyframe);
    CHECK(packets.front()->pts == frame_ms(15));
    CHECK(got.keyframe_pts(rung) == got.keyframe_pts(0));
  }
}

TEST_CASE("overload sheds the most expensive rung at an aligned IDR and restores it later") {
  const Source source = make_source(450, 15);
  std::set<std::int64_t> source_keyframes;
  for (const auto& packet : source.packets) {
    if (packet->keyframe) source_keyframes.insert(packet->pts);
  }
  core::CpuPool pool(1);
  Collected got;
  LadderConfig config = two_rungs();
  config.shed_queue_seconds = 0.5;
  config.restore_after_seconds = 1.0;
  LadderOptions options;
  options.cpu_threads = 1;
  LadderTranscoder ladder(source.info, 1000, config, 1.0, pool.executor(), got.callbacks(), options);
  // 2 s at a pace the pool keeps up with, a 2.5-s burst (5x the bound), then pacing again.
  std::size_t i = 0;
  for (; i < source.packets.size(); ++i) {
    ladder.push(source.packets[i]);
    if (i < 60 || i >= 135) ladder.wait_for_queue_below(0.1);
  }
  flush_and_wait(ladder);

  std::lock_guard lock(got.mutex);
  const LadderStats stats = ladder.stats();
  CHECK(stats.rungs[0].shed_count >= 1);
  CHECK(stats.rungs[0].active);
  const auto& states = got.states[0];
  REQUIRE(states.size() >= 2);
  CHECK_FALSE(states[0].first);
  CHECK(states[1].first);
  const auto& packets = got.packets.at(0);
  REQUIRE(states[0].second > 0);
  REQUIRE(states[1].second < packets.size());
  // The restored rung restarts with an IDR; all its IDRs sit on source keyframes.
  CHECK(packets[states[1].second]->keyframe);
  for (const auto pts : got.keyframe_pts(0)) CHECK(source_keyframes.contains(pts));
  // Shed at a segment boundary: the other rung (still active then) has an IDR
  // on the frame that follows the shed rung's last packet.
  const std::int64_t last_before_shed = packets[states[0].second - 1]->pts;
  bool next_is_idr = false;
  for (const auto& packet : got.packets.at(1)) {
    if (packet->pts > last_before_shed) {
      next_is_idr = packet->keyframe;
      break;
    }
  }
  CHECK(next_is_idr);
}

TEST_CASE("caller_cuts: IDRs exactly on the packets the caller marked, keyframes or not, and nowhere else") {
  // 0.5-s source GOPs; the caller's segmenter "cut" at 0, 1.0 s (a keyframe),
  // 2.2 s (not a keyframe: a forced cut) and 3.5 s. The built-in rule would
  // have given 0, 2.0 s (2-s segments) instead.
  const Source source = make_source(120, 15);
  const std::set<std::int64_t> marked{frame_ms(0), frame_ms(30), frame_ms(66), frame_ms(105)};
  core::CpuPool pool(2);
  Collected got;
  LadderOptions options;
  options.cpu_threads = 2;
  options.allow_shedding = false;
  options.caller_cuts = true;
  LadderTranscoder ladder(source.info, 1000, two_rungs(), 2.0, pool.executor(), got.callbacks(), options);
  for (const auto& packet : source.packets) ladder.push(packet, marked.count(packet->pts) > 0);
  flush_and_wait(ladder);
  std::lock_guard lock(got.mutex);
  for (std::size_t rung = 0; rung < 2; ++rung) {
    CAPTURE(rung);
    CHECK(got.packets.at(rung).size() == source.packets.size());
    CHECK(got.keyframe_pts(rung) == marked);
  }
}

TEST_CASE("every decoded source frame reaches on_source_frame (live thumbnails take theirs there)") {
  const Source source = make_source(30, 15);
  core::CpuPool pool(2);
  Collected got;
  std::mutex mutex;
  std::vector<std::int64_t> seen;
  LadderCallbacks callbacks = got.callbacks();
  callbacks.on_source_frame = [&](const SharedFrame& frame) {
    std::lock_guard lock(mutex);
    CHECK(frame->width == 320);
    seen.push_back(frame->pts);
  };
  LadderOptions options;
  options.allow_shedding = false;
  LadderTranscoder ladder(source.info, 1000, two_rungs(), 1.0, pool.executor(), std::move(callbacks), options);
  for (const auto& packet : source.packets) ladder.push(packet);
  flush_and_wait(ladder);
  std::lock_guard lock(mutex);
  REQUIRE(seen.size() == 30);
  CHECK(seen.front() == frame_ms(0));
  CHECK(seen.back() == frame_ms(29));
}

TEST_CASE("a live thumbnail comes from one keyframe, decoded alone") {
  const Source source = make_source(45, 15);
  const VideoSourceSpec spec = video_source_spec(*source.info.video, 1000);
  // A keyframe mid-stream (the second GOP's), with no packet before it.
  const auto keyframe = std::find_if(source.packets.begin() + 1, source.packets.end(),
                                     [](const media::PacketPtr& p) { return p->keyframe; });
  REQUIRE(keyframe != source.packets.end());
  const LivePicture picture = make_live_picture(**keyframe, spec);
  CHECK(picture.width == 320);
  CHECK(picture.height == 240);
  REQUIRE(picture.jpeg);
  CHECK(picture.jpeg->size() > 500);
}

TEST_CASE("a low-latency rung hands out each frame as it comes; a normal one holds frames for look-ahead") {
  // Frames in before the first packet comes out, for a veryfast rung with 2 threads.
  auto frames_before_first_packet = [](bool low_latency) {
    RungPlan plan = plan_320x240("veryfast");
    plan.x264_threads = 2;
    plan.low_latency = low_latency;
    RungEncoder encoder(plan, 1000, 30);
    FramePtr frame = frame_320x240();
    std::vector<EncodedPacket> out;
    for (int i = 0; i < 60; ++i) {
      REQUIRE(av_frame_make_writable(frame.get()) == 0);
      for (int p = 0; p < 3; ++p) {
        const int rows = p == 0 ? 240 : 120;
        for (int y = 0; y < rows; ++y)
          std::memset(frame->data[p] + y * frame->linesize[p], (i * 7 + y + p * 50) % 256, p ? 160 : 320);
      }
      encoder.encode(frame.get(), frame_ms(i), i == 0, out);
      if (!out.empty()) return i + 1;
    }
    return 61;
  };
  CHECK(frames_before_first_packet(true) == 1);
  CHECK(frames_before_first_packet(false) > 5);  // x264's rc-lookahead (10 at veryfast) and frame threads
}

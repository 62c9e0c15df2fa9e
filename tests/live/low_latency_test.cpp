// Low latency on a live channel: parts in the snapshot and the LL-HLS
// playlists, and the blocking-request state machine (live/held_requests.hpp).
#include <doctest/doctest.h>

#include "live/fresh_playlist.hpp"
#include "live/held_requests.hpp"
#include "live/live_test_support.hpp"
#include "package/hls_low_latency.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

namespace tidecast::test {

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A snapshot whose track "v0" has complete segments 0..`segments`-1 (4 parts
// each) and `open_parts` parts of segment `segments`.
std::shared_ptr<const live::LiveSnapshot> snapshot_with(std::uint32_t segments, std::uint32_t open_parts,
                                                        bool ended = false) {
  auto s = std::make_shared<live::LiveSnapshot>();
  s->presentation.ended = ended;
  s->presentation.part_target_seconds = 0.5;
  package::TrackDescription track;
  track.id = "v0";
  const auto add_part = [&](std::uint32_t number, std::uint32_t index) {
    package::PartEntry part;
    part.number = number;
    part.index = index;
    part.period = 7;
    part.segment_index = number;
    part.duration = 45000;
    part.independent = index == 0;
    track.parts.push_back(part);
    s->files.emplace("v0/" + part.file_name(), std::make_shared<const std::vector<std::uint8_t>>(10, 0));
  };
  for (std::uint32_t n = 0; n < segments; ++n) {
    package::SegmentEntry segment;
    segment.number = n;
    segment.index = n;
    segment.period = 7;
    segment.duration = 180000;
    track.segments.push_back(segment);
    for (std::uint32_t i = 0; i < 4; ++i) add_part(n, i);
  }
  for (std::uint32_t i = 0; i < open_parts; ++i) add_part(segments, i);
  s->presentation.tracks.push_back(track);
  s->media_playlists["v0"] = live::render_manifest("#EXTM3U\n");
  return s;
}

struct Recorder {
  std::vector<live::HoldOutcome> outcomes;
  live::HeldRequests::Callback callback() {
    return [this](live::HoldOutcome outcome, const std::shared_ptr<const live::LiveSnapshot>&) {
      outcomes.push_back(outcome);
    };
  }
};

live::HoldTarget playlist(std::uint32_t msn, std::optional<std::uint32_t> part) {
  live::HoldTarget target;
  target.track = "v0";
  target.msn = msn;
  target.part = part;
  return target;
}

}  // namespace

TEST_CASE("blocking reload: ready, held until the part exists, 400 beyond the advance limits") {
  const auto s = snapshot_with(3, 2);  // newest: segment 3, part 1
  CHECK(live::check_hold(*s, playlist(2, std::nullopt)) == live::HoldCheck::ready);
  CHECK(live::check_hold(*s, playlist(3, 1)) == live::HoldCheck::ready);
  CHECK(live::check_hold(*s, playlist(1, 9)) == live::HoldCheck::ready);  // an old segment, complete
  CHECK(live::check_hold(*s, playlist(3, 2)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(3, std::nullopt)) == live::HoldCheck::wait);  // the whole segment 3
  CHECK(live::check_hold(*s, playlist(4, 0)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(5, 0)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(6, 0)) == live::HoldCheck::bad_request);  // more than two segments ahead
  // The advance part limit: 3 s of 0.5 s parts.
  CHECK(live::check_hold(*s, playlist(3, 7)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(3, 8)) == live::HoldCheck::bad_request);
  CHECK(live::check_hold(*s, playlist(4, 5)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(4, 6)) == live::HoldCheck::bad_request);  // at least 7 parts ahead
  live::HoldTarget unknown = playlist(1, 0);
  unknown.track = "v9";
  CHECK(live::check_hold(*s, unknown) == live::HoldCheck::bad_request);
  // The stream ended: everything is answered (the playlist has EXT-X-ENDLIST).
  CHECK(live::check_hold(*snapshot_with(3, 0, true), playlist(5, 0)) == live::HoldCheck::ready);
}

TEST_CASE("blocking reload: a part far beyond the open segment's parts is a 400, not held until 503") {
  // Segment 3 complete with its 4 parts, nothing of segment 4 yet.
  const auto s = snapshot_with(4, 0);
  CHECK(live::check_hold(*s, playlist(4, 0)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(4, 5)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(4, 6)) == live::HoldCheck::bad_request);
  CHECK(live::check_hold(*s, playlist(4, 1000000)) == live::HoldCheck::bad_request);
  CHECK(live::check_hold(*s, playlist(5, 1000)) == live::HoldCheck::bad_request);
  CHECK(live::check_hold(*s, playlist(3, 1000)) == live::HoldCheck::ready);  // complete: the playlist answers it
  live::HeldRequests held;
  Recorder r;
  held.update(s);
  CHECK(held.hold(playlist(4, 4000), "a", r.callback()).admission == live::HeldRequests::Admission::bad_request);
  CHECK(held.size() == 0);
}

TEST_CASE("blocking reload: parts of a rung that rejoined past its open segment do not answer the next part") {
  // Segments 0..2, then the rung was shed and rejoined: parts of segment 6
  // arrive before its first new segment completes. The playlist lists
  // segment 2 last and hints 7-3.0; asking for 3.0 must wait, not be answered
  // at once with the same playlist (a request loop).
  auto s = std::make_shared<live::LiveSnapshot>(*snapshot_with(3, 0));
  auto& track = s->presentation.tracks.front();
  for (std::uint32_t i = 0; i < 2; ++i) {
    track.parts.push_back({.number = 6, .index = i, .period = 7, .segment_index = 6, .duration = 45000});
  }
  const auto position = package::last_position(track);
  REQUIRE(position);
  CHECK(position->msn == 2);
  CHECK(position->segment_complete);
  CHECK(live::check_hold(*s, playlist(3, 0)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(3, std::nullopt)) == live::HoldCheck::wait);
  CHECK(live::check_hold(*s, playlist(2, std::nullopt)) == live::HoldCheck::ready);
  // Its first new segment completes: answered.
  track.segments.push_back({.number = 6, .index = 6, .duration = 180000, .period = 7});
  CHECK(live::check_hold(*s, playlist(3, 0)) == live::HoldCheck::ready);
}

TEST_CASE("blocking reload: a held request is answered by the update that brings its part, exactly once") {
  live::HeldRequests held;
  Recorder r;
  held.update(snapshot_with(3, 1));
  const auto admitted = held.hold(playlist(3, 2), "10.0.0.1", r.callback());
  REQUIRE(admitted.admission == live::HeldRequests::Admission::held);
  CHECK(held.size() == 1);
  held.update(snapshot_with(3, 2));  // part 1: not yet
  CHECK(r.outcomes.empty());
  held.update(snapshot_with(3, 3));  // part 2
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0] == live::HoldOutcome::ready);
  CHECK(held.size() == 0);
  held.update(snapshot_with(4, 0));
  CHECK(r.outcomes.size() == 1);
  // Already there: answered now, not held.
  CHECK(held.hold(playlist(3, 0), "10.0.0.1", r.callback()).admission == live::HeldRequests::Admission::ready);
  CHECK(held.hold(playlist(9, 0), "10.0.0.1", r.callback()).admission == live::HeldRequests::Admission::bad_request);
}

TEST_CASE("blocking reload: stale requests time out (503), the end answers all, cancel forgets, shutdown releases") {
  const auto t0 = live::HeldRequests::Clock::now();
  live::HeldRequests held(
      live::HoldLimits{.max_total = 100, .max_per_address = 10, .timeout = std::chrono::milliseconds(1000)});
  Recorder r;
  held.update(snapshot_with(3, 1), t0);
  held.hold(playlist(3, 2), "a", r.callback(), t0);
  held.expire(t0 + std::chrono::milliseconds(999));
  CHECK(r.outcomes.empty());
  held.expire(t0 + std::chrono::milliseconds(1000));
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0] == live::HoldOutcome::timeout);

  held.hold(playlist(4, 0), "a", r.callback(), t0);
  const auto cancelled = held.hold(playlist(4, 1), "a", r.callback(), t0);
  CHECK(held.held_from("a") == 2);
  held.cancel(cancelled.id);
  CHECK(held.held_from("a") == 1);
  held.update(snapshot_with(3, 1, true), t0);  // stream ended: EXT-X-ENDLIST
  REQUIRE(r.outcomes.size() == 2);
  CHECK(r.outcomes[1] == live::HoldOutcome::ready);
  CHECK(held.size() == 0);

  held.update(snapshot_with(3, 1), t0);
  held.hold(playlist(4, 0), "a", r.callback(), t0);
  held.release_all();
  REQUIRE(r.outcomes.size() == 3);
  CHECK(r.outcomes[2] == live::HoldOutcome::released);
  CHECK(held.hold(playlist(4, 0), "a", r.callback(), t0).admission == live::HeldRequests::Admission::ready);
}

TEST_CASE("blocking reload: held requests are capped per address and in total") {
  live::HeldRequests held(live::HoldLimits{.max_total = 5, .max_per_address = 3});
  Recorder r;
  held.update(snapshot_with(3, 1));
  for (int i = 0; i < 3; ++i) {
    CHECK(held.hold(playlist(3, 2), "a", r.callback()).admission == live::HeldRequests::Admission::held);
  }
  CHECK(held.hold(playlist(3, 2), "a", r.callback()).admission == live::HeldRequests::Admission::too_many_from_address);
  CHECK(held.hold(playlist(3, 2), "b", r.callback()).admission == live::HeldRequests::Admission::held);
  CHECK(held.hold(playlist(3, 2), "c", r.callback()).admission == live::HeldRequests::Admission::held);
  CHECK(held.hold(playlist(3, 2), "d", r.callback()).admission == live::HeldRequests::Admission::too_many_total);
  CHECK(held.size() == 5);
}

TEST_CASE("preload hint: the next part is held until it exists; a part that cannot come is gone") {
  live::HeldRequests held;
  Recorder r;
  held.update(snapshot_with(3, 1));  // newest part: 7-3.0
  live::HoldTarget next;
  next.track = "v0";
  next.file = "v0/7-3.1.m4s";
  CHECK(held.hold(next, "a", r.callback()).admission == live::HeldRequests::Admission::held);
  live::HoldTarget far = next;
  far.file = "v0/7-3.9.m4s";
  CHECK(held.hold(far, "a", r.callback()).admission == live::HeldRequests::Admission::gone);
  live::HoldTarget other_period = next;
  other_period.file = "v0/8-3.1.m4s";
  CHECK(held.hold(other_period, "a", r.callback()).admission == live::HeldRequests::Admission::gone);
  live::HoldTarget garbage = next;
  garbage.file = "v0/x-y.z.m4s";
  CHECK(held.hold(garbage, "a", r.callback()).admission == live::HeldRequests::Admission::gone);
  live::HoldTarget first_of_next = next;
  first_of_next.file = "v0/7-4.0.m4s";
  CHECK(held.hold(first_of_next, "a", r.callback()).admission == live::HeldRequests::Admission::held);
  held.update(snapshot_with(3, 2));
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0] == live::HoldOutcome::ready);
  // The segment ends with 4 parts and the next begins: 7-4.0 is there.
  held.update(snapshot_with(4, 1));
  REQUIRE(r.outcomes.size() == 2);
  CHECK(r.outcomes[1] == live::HoldOutcome::ready);
}

TEST_CASE("a chunked segment's wait: its next part or its completion answers, a part that cannot come is gone") {
  live::HoldTarget next;
  next.track = "v0";
  next.file = "v0/7-3.2.m4s";
  next.segment = "v0/7-3.m4s";
  CHECK(live::check_hold(*snapshot_with(3, 2), next) == live::HoldCheck::wait);
  CHECK(live::check_hold(*snapshot_with(3, 3), next) == live::HoldCheck::ready);
  // Segment 3 ended after 2 parts: its completion answers (there is no part 2).
  auto done = std::make_shared<live::LiveSnapshot>(*snapshot_with(3, 2));
  done->pieced_files.emplace("v0/7-3.m4s", std::make_shared<const std::vector<live::SharedBytes>>());
  CHECK(live::check_hold(*done, next) == live::HoldCheck::ready);
  // The stream ended without it.
  CHECK(live::check_hold(*snapshot_with(3, 2, true), next) == live::HoldCheck::gone);
}

TEST_CASE("a low-latency channel lists complete parts, hints the next one and keeps segments as their parts") {
  TempDir dir;
  CapturedLog log;
  FakeRecordings recordings;
  boost::asio::thread_pool pool(1);
  live::LiveOptions options = small_window(dir.path());
  options.part_seconds = 0.3;
  auto channel =
      std::make_shared<live::LiveChannel>(studio_ref(), options, log.logger(), recordings, pool.get_executor());
  auto stream = std::make_shared<media::Stream>("studio");
  channel->attach(stream);
  REQUIRE(eventually([&] { return channel->status().publishing; }));
  stream->set_info(h264_aac_stream(true, false));
  // 10 fps video, 1 s segments: parts of 3 frames (0.3 s), the last one 1 frame.
  for (auto& packet : video_seconds(3)) stream->publish(packet);
  REQUIRE(eventually([&] { return channel->status().segments >= 2; }));
  REQUIRE(eventually([&] { return channel->snapshot()->pieced_files.size() >= 2; }));
  const auto s = channel->snapshot();
  const std::string text = s->media_playlists.at("v0")->text;
  CAPTURE(text);
  CHECK(count(text, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.900,") == 1);
  CHECK(count(text, "#EXT-X-PART-INF:PART-TARGET=0.300\n") == 1);
  CHECK(count(text, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"") == 1);
  CHECK(count(text, ",INDEPENDENT=YES") >= 2);
  const auto& track = s->presentation.tracks.front();
  REQUIRE(!track.segments.empty());
  const auto& first = track.segments.front();
  const std::string name = "v0/" + first.file_name();
  REQUIRE(s->pieced_files.contains(name));
  CHECK_FALSE(s->files.contains(name));
  const auto& pieces = *s->pieced_files.at(name);
  CHECK(pieces.size() == 4);  // 3 + 3 + 3 + 1 frames
  std::uint64_t size = 0;
  for (std::uint32_t i = 0; i < pieces.size(); ++i) {
    const std::string part = fmt::format("v0/{}-{}.{}.m4s", first.period, first.index, i);
    REQUIRE(s->files.contains(part));
    CHECK(s->files.at(part) == pieces[i]);  // one buffer, listed twice
    CHECK(text.find(part.substr(3)) != std::string::npos);
    size += pieces[i]->size();
  }
  CHECK(size == first.bytes);
  // Delta updates are rendered with the snapshot (a 2-segment window skips nothing).
  REQUIRE(s->delta_playlists.contains("v0"));
  CHECK(count(s->delta_playlists.at("v0")[0]->text, "#EXT-X-SKIP:SKIPPED-SEGMENTS=0\n") == 1);
  CHECK(count(s->delta_playlists.at("v0")[1]->text, ",RECENTLY-REMOVED-DATERANGES=\"\"\n") == 1);
  CHECK(count(text, "CAN-SKIP-UNTIL=6.000") == 1);

  stream->end();
  channel->finish();
  REQUIRE(eventually([&] { return channel->finished(); }));
  pool.join();
  const auto ended = channel->snapshot()->media_playlists.at("v0")->text;
  CHECK(count(ended, "#EXT-X-ENDLIST") == 1);
  CHECK(count(ended, "#EXT-X-PRELOAD-HINT") == 0);
  CHECK(channel->snapshot()->delta_playlists.empty());  // EXT-X-ENDLIST: _HLS_skip is ignored
}

TEST_CASE("a plain playlist request waits for the next part unless the newest one is fresh") {
  const auto made_at = [](std::shared_ptr<const live::LiveSnapshot> s, std::int64_t ms) {
    auto copy = std::make_shared<live::LiveSnapshot>(*s);
    for (auto& part : copy->presentation.tracks[0].parts) part.made_ms = ms;
    return std::shared_ptr<const live::LiveSnapshot>(copy);
  };
  const std::int64_t now = 1'000'000;
  CHECK(live::fresh_part_ms(*snapshot_with(3, 2)) == 63);  // an eighth of the 0.5-s part target
  // Fresh: answered at once.
  CHECK_FALSE(live::wait_for_fresh_part(*made_at(snapshot_with(3, 2), now - 63), "v0", now));
  // Stale: the next part of the open segment, which the next snapshot answers.
  const auto stale = made_at(snapshot_with(3, 2), now - 64);
  const auto target = live::wait_for_fresh_part(*stale, "v0", now);
  REQUIRE(target);
  CHECK(target->msn == 3);
  CHECK(target->part == 2u);
  CHECK(live::check_hold(*stale, *target) == live::HoldCheck::wait);
  CHECK(live::check_hold(*snapshot_with(3, 3), *target) == live::HoldCheck::ready);
  CHECK(live::check_hold(*snapshot_with(4, 0), *target) == live::HoldCheck::ready);  // its segment completed
  // The newest part closed its segment: the first part of the next one.
  const auto closed = live::wait_for_fresh_part(*made_at(snapshot_with(3, 0), now - 200), "v0", now);
  REQUIRE(closed);
  CHECK(closed->msn == 3);
  CHECK(closed->part == 0u);
  // A track that made no part for three part targets (a shed rung): answered at once.
  CHECK(live::wait_for_fresh_part(*made_at(snapshot_with(3, 2), now - 1500), "v0", now));
  CHECK_FALSE(live::wait_for_fresh_part(*made_at(snapshot_with(3, 2), now - 1501), "v0", now));
  // Nothing to wait for: an ended stream, an unknown track, no parts, normal latency.
  CHECK_FALSE(live::wait_for_fresh_part(*made_at(snapshot_with(3, 2, true), now - 200), "v0", now));
  CHECK_FALSE(live::wait_for_fresh_part(*stale, "a0", now));
  auto normal = std::make_shared<live::LiveSnapshot>(*stale);
  normal->presentation.part_target_seconds = 0;
  CHECK_FALSE(live::wait_for_fresh_part(*normal, "v0", now));
  normal->presentation.part_target_seconds = 0.5;
  normal->presentation.tracks[0].parts.clear();
  CHECK_FALSE(live::wait_for_fresh_part(*normal, "v0", now));
}

TEST_CASE("a plain playlist request is held three part targets at most, and answered when its track is shed") {
  const auto t0 = live::HeldRequests::Clock::now();
  // The blocking-request limit (three segments) is far longer than three 0.5-s parts.
  live::HeldRequests held(
      live::HoldLimits{.max_total = 100, .max_per_address = 10, .timeout = std::chrono::milliseconds(6000)});
  Recorder r;
  held.update(snapshot_with(3, 1), t0);
  auto plain = playlist(3, 1);
  plain.plain = true;
  CHECK(held.hold(plain, "a", r.callback(), t0).admission == live::HeldRequests::Admission::held);
  held.hold(playlist(3, 1), "a", r.callback(), t0);  // a blocking request keeps the long limit
  held.expire(t0 + std::chrono::milliseconds(1499));
  CHECK(r.outcomes.empty());
  held.expire(t0 + std::chrono::milliseconds(1500));  // the publisher stalled: the plain one goes
  REQUIRE(r.outcomes.size() == 1);
  CHECK(r.outcomes[0] == live::HoldOutcome::timeout);
  CHECK(held.size() == 1);

  // The ladder sheds the rung: plain requests get the playlist at once, held or new.
  CHECK(held.hold(plain, "a", r.callback(), t0).admission == live::HeldRequests::Admission::held);
  auto shed = std::make_shared<live::LiveSnapshot>(*snapshot_with(3, 1));
  shed->withdrawn_tracks.insert("v0");
  held.update(shed, t0);
  REQUIRE(r.outcomes.size() == 2);
  CHECK(r.outcomes[1] == live::HoldOutcome::ready);
  CHECK(held.size() == 1);  // the blocking request still waits
  CHECK(held.hold(plain, "a", r.callback(), t0).admission == live::HeldRequests::Admission::ready);
  const std::int64_t now = 1'000'000;
  for (auto& part : shed->presentation.tracks[0].parts) part.made_ms = now - 200;  // within three part targets
  CHECK_FALSE(live::wait_for_fresh_part(*shed, "v0", now));
  shed->withdrawn_tracks.clear();
  CHECK(live::wait_for_fresh_part(*shed, "v0", now));
}

}  // namespace tidecast::test

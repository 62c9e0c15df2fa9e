// The live manifests are rendered once per update of the window: every
// request until the next update gets the same bytes (and ETag), the MPD says
// when that update was, and its timeline stays bounded over a long stream.
#include "live/rendered_manifest.hpp"

#include <doctest/doctest.h>

#include "live/dash_timeline.hpp"
#include "live/live_test_support.hpp"
#include "package/dash_manifest.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

namespace tidecast::test {

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a snapshot's manifests are rendered once: two reads within one update are the same bytes") {
  TempDir dir;
  CapturedLog log;
  FakeRecordings recordings;
  boost::asio::thread_pool pool(1);
  auto channel =
      std::make_shared<live::LiveChannel>(live::ChannelRef{1, "studio", "Studio", {}, {}}, small_window(dir.path()),
                                          log.logger(), recordings, pool.get_executor());
  auto stream = std::make_shared<media::Stream>("studio");
  channel->attach(stream);
  REQUIRE(eventually([&] { return channel->status().publishing; }));
  stream->set_info(h264_aac_stream(true, false));
  for (auto& packet : video_seconds(3)) stream->publish(packet);
  REQUIRE(eventually([&] { return channel->status().segments >= 2; }));

  const auto first = channel->snapshot();
  const auto second = channel->snapshot();
  REQUIRE(first->mpd);
  REQUIRE(first->master_playlist);
  REQUIRE(first->media_playlists.count("v0") == 1);
  // The very same immutable bytes, not a rendering per request.
  CHECK(first->mpd == second->mpd);
  CHECK(first->master_playlist == second->master_playlist);
  CHECK(first->media_playlists.at("v0") == second->media_playlists.at("v0"));
  // publishTime (and the direct clock) is the update's time, not a request's.
  const std::string update_time = package::iso_datetime_ms(first->updated_ms);
  CHECK(first->mpd->text.find("publishTime=\"" + update_time + "\"") != std::string::npos);
  CHECK(first->mpd->text.find("value=\"/api/v1/time\"") != std::string::npos);
  CHECK(first->mpd->etag.size() > 2);
  CHECK(first->mpd->etag.front() == '"');

  // The next update renders new bytes with a new validator.
  for (auto& packet : video_seconds(2, 3000)) stream->publish(packet);
  REQUIRE(eventually([&] { return channel->snapshot()->mpd != first->mpd; }));
  const auto later = channel->snapshot();
  CHECK(later->mpd->text != first->mpd->text);
  CHECK(later->mpd->etag != first->mpd->etag);
  CHECK(later->media_playlists.at("v0")->etag != first->media_playlists.at("v0")->etag);
  stream->end();
  channel->finish();
  REQUIRE(eventually([&] { return channel->finished(); }));
  pool.join();
}

TEST_CASE("an ETag names the bytes: equal texts share it, any change makes another") {
  const auto a = live::render_manifest("#EXTM3U\n#EXT-X-VERSION:7\n");
  const auto b = live::render_manifest("#EXTM3U\n#EXT-X-VERSION:7\n");
  const auto c = live::render_manifest("#EXTM3U\n#EXT-X-VERSION:6\n");
  CHECK(a->etag == b->etag);
  CHECK(a->etag != c->etag);
}

TEST_CASE("the live MPD's timeline stays bounded over a long stream") {
  // Ten hours of 2 s segments in one period, audio durations alternating so
  // that no run collapses into <S r>: the worst case for the MPD's size.
  std::vector<package::SegmentEntry> all;
  std::uint64_t start = 0;
  for (std::uint32_t i = 0; i < 18000; ++i) {
    package::SegmentEntry s;
    s.number = i;
    s.index = i;
    s.period = 7;
    s.start = start;
    s.duration = i % 2 ? 96256 : 95232;
    start += s.duration;
    all.push_back(s);
  }
  const auto timeline = live::dash_timeline(all, 7);
  REQUIRE(timeline.size() == live::kMaxTimelineSegments);
  CHECK(timeline.back().number == all.back().number);  // the newest are kept
  package::Presentation p;
  p.live = true;
  p.availability_start_ms = 1'796'000'000'000;
  p.periods = {package::Period{.index = 7, .start_seconds = 0}};
  package::TrackDescription audio;
  audio.kind = media::TrackKind::audio;
  audio.id = "a0";
  audio.timescale = 48000;
  audio.segments = timeline;
  p.tracks = {audio};
  const auto mpd = live::render_live_mpd(p, "/api/v1/time", 1'796'000'000'000);
  CHECK(count_of(mpd->text, "<S ") <= live::kMaxTimelineSegments);

  // A short stream lists its period from the first segment.
  const std::vector<package::SegmentEntry> few(all.begin(), all.begin() + 10);
  CHECK(live::dash_timeline(few, 7).size() == 10);
  CHECK(live::dash_timeline(few, 8).empty());
}

}  // namespace tidecast::test

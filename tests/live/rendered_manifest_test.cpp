// The live manifests are rendered once per update of the window: every
// request until the next update gets the same bytes (and ETag), the MPD says
// when that update was, and its timeline is the time-shift window.
#include "live/rendered_manifest.hpp"

#include <doctest/doctest.h>

#include "live/dash_timeline.hpp"
#include "live/live_test_support.hpp"
#include "package/dash_manifest.hpp"
#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"

namespace tidecast::test {

TEST_CASE("a snapshot's manifests are rendered once: two reads within one update are the same bytes") {
  StudioChannel studio;
  auto& channel = studio.channel;
  auto& pool = studio.pool;
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

TEST_CASE("the live MPD's timeline is the time-shift window however long the stream, named by $Time$") {
  StudioChannel studio;
  auto& channel = studio.channel;
  auto& pool = studio.pool;
  auto stream = std::make_shared<media::Stream>("studio");
  channel->attach(stream);
  REQUIRE(eventually([&] { return channel->status().publishing; }));
  stream->set_info(h264_aac_stream(true, false));
  // 30 one-second segments, a window (and timeShiftBufferDepth) of 2; fed
  // in steps, as the reader's queue holds only a few seconds.
  for (int step = 0; step < 15; ++step) {
    for (auto& packet : video_seconds(2, step * 2000)) stream->publish(packet);
    REQUIRE(eventually([&] { return channel->status().segments >= static_cast<std::uint32_t>(2 * step + 1); }));
  }
  const auto snapshot = channel->snapshot();
  const std::string& mpd = snapshot->mpd->text;
  CHECK(mpd.find("timeShiftBufferDepth=\"PT2.000S\"") != std::string::npos);
  // Segments listed: one per <S>, plus its repeats.
  std::size_t listed = 0;
  for (auto at = mpd.find("<S "); at != std::string::npos; at = mpd.find("<S ", at + 1)) {
    ++listed;
    const auto end = mpd.find("/>", at);
    const auto r = mpd.find(" r=\"", at);
    if (r < end) listed += std::stoul(mpd.substr(r + 4));
  }
  CHECK(listed == 2);
  CHECK(mpd.find("$Time$") != std::string::npos);
  CHECK(mpd.find("startNumber") == std::string::npos);
  // Each listed $Time$ name leads to the segment file of that time.
  const auto& window = snapshot->presentation.tracks.front().segments;
  REQUIRE(window.size() == 2);
  CHECK(mpd.find(fmt::format("<S t=\"{}\"", window.front().start)) != std::string::npos);  // starts there
  for (const auto& segment : window) {
    const auto named = snapshot->dash_names.find("v0/" + segment.time_file_name());
    REQUIRE(named != snapshot->dash_names.end());
    CHECK(named->second == "v0/" + segment.file_name());
    CHECK(snapshot->files.count(named->second) == 1);
  }
  stream->end();
  channel->finish();
  REQUIRE(eventually([&] { return channel->finished(); }));
  pool.join();
}

TEST_CASE("the segments a rung must hold to be listed stay bounded over a long stream") {
  std::vector<package::SegmentEntry> all;
  for (std::uint32_t i = 0; i < 18000; ++i) {
    package::SegmentEntry s;
    s.number = i;
    s.index = i;
    s.period = 7;
    all.push_back(s);
  }
  const auto timeline = live::dash_timeline(all, 7);
  REQUIRE(timeline.size() == live::kMaxTimelineSegments);
  CHECK(timeline.back().number == all.back().number);  // the newest are kept
  const std::vector<package::SegmentEntry> few(all.begin(), all.begin() + 10);
  CHECK(live::dash_timeline(few, 7).size() == 10);
  CHECK(live::dash_timeline(few, 8).empty());
}

}  // namespace tidecast::test

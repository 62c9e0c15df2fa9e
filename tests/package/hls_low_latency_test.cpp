// LL-HLS media playlists (package/hls_low_latency.hpp) against RFC 8216bis.
#include <doctest/doctest.h>

#include <string>

#include "package/hls_playlist.hpp"

namespace package = tidecast::package;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Two tracks; v0 has 6 complete 2 s segments (numbers 10..15, 4 parts each
// recorded) and 2 parts of segment 16; a0 has segments up to 15 and 3 parts of 16.
package::Presentation presentation(double part_target) {
  package::Presentation p;
  p.target_duration_seconds = 2;
  p.part_target_seconds = part_target;
  p.periods.push_back({.index = 5, .start_seconds = 0});
  for (const char* id : {"v0", "a0"}) {
    package::TrackDescription t;
    t.id = id;
    t.kind = id[0] == 'v' ? tidecast::media::TrackKind::video : tidecast::media::TrackKind::audio;
    t.timescale = 90000;
    for (std::uint32_t n = 10; n <= 15; ++n) {
      package::SegmentEntry s;
      s.number = n;
      s.index = n - 10;
      s.period = 5;
      s.duration = 180000;
      t.segments.push_back(s);
      for (std::uint32_t i = 0; i < 4; ++i) {
        t.parts.push_back(
            {.number = n, .index = i, .period = 5, .segment_index = n - 10, .duration = 45000, .independent = i == 0});
      }
    }
    for (std::uint32_t i = 0; i < (id[0] == 'v' ? 2u : 3u); ++i) {
      t.parts.push_back(
          {.number = 16, .index = i, .period = 5, .segment_index = 6, .duration = 45000, .independent = i == 0});
    }
    p.tracks.push_back(t);
  }
  return p;
}

}  // namespace

TEST_CASE("LL-HLS: server control, part target, parts of the last three target durations, hint, reports") {
  const std::string text = package::hls_media_playlist(presentation(0.5), 0);
  CAPTURE(text);
  CHECK(count(text, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500\n") == 1);
  CHECK(count(text, "#EXT-X-PART-INF:PART-TARGET=0.500\n") == 1);
  // 6 s from the end: the open segment's 1 s, then segments 15 and 14 (5 s);
  // segment 13 ends 5 s from the end, so its last parts are inside the
  // window and it is listed; segment 12 ends 7 s from the end.
  CHECK(count(text, "URI=\"5-2.") == 0);
  CHECK(count(text, "URI=\"5-3.") == 4);
  CHECK(count(text, "URI=\"5-4.") == 4);
  CHECK(count(text, "URI=\"5-5.") == 4);
  CHECK(count(text, "#EXT-X-PART:DURATION=0.50000,URI=\"5-6.0.m4s\",INDEPENDENT=YES\n") == 1);
  CHECK(count(text, "#EXT-X-PART:DURATION=0.50000,URI=\"5-6.1.m4s\"\n") == 1);
  // Parts come before their segment's EXTINF; the open segment's after the last one.
  CHECK(text.find("5-5.3.m4s") < text.find("5-5.m4s"));
  CHECK(text.find("\n5-5.m4s") < text.find("5-6.0.m4s"));
  CHECK(count(text, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"5-6.2.m4s\"\n") == 1);
  CHECK(count(text, "#EXT-X-RENDITION-REPORT:URI=\"../a0/media.m3u8\",LAST-MSN=16,LAST-PART=2\n") == 1);
  CHECK(count(text, "../v0/media.m3u8") == 0);
  CHECK(count(text, "#EXT-X-ENDLIST") == 0);
}

TEST_CASE("LL-HLS: after the end no open parts, hint or reports; without a part target no LL tags at all") {
  package::Presentation ended = presentation(0.5);
  ended.ended = true;
  const std::string text = package::hls_media_playlist(ended, 0);
  CHECK(count(text, "5-6.0.m4s") == 0);
  CHECK(count(text, "PRELOAD-HINT") == 0);
  CHECK(count(text, "RENDITION-REPORT") == 0);
  CHECK(count(text, "#EXT-X-ENDLIST") == 1);

  const std::string normal = package::hls_media_playlist(presentation(0), 0);
  for (const char* tag : {"SERVER-CONTROL", "PART-INF", "EXT-X-PART", "PRELOAD-HINT", "RENDITION-REPORT"}) {
    CHECK(count(normal, tag) == 0);
  }
  package::Presentation vod = presentation(0.5);
  vod.live = false;
  CHECK(count(package::hls_media_playlist(vod, 0), "EXT-X-PART") == 0);
}

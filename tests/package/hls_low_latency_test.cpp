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
  CHECK(count(text,
              "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=12.000,CAN-SKIP-"
              "DATERANGES=YES\n") == 1);
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

namespace {

// `count` complete 2 s segments numbered from 0, the first `in_period_4` of
// them in period 4 and the rest in period 5, and 2 parts of the open segment.
package::Presentation long_window(std::uint32_t count, std::uint32_t in_period_4) {
  package::Presentation p;
  p.target_duration_seconds = 2;
  p.part_target_seconds = 0.5;
  p.discontinuity_sequence = 3;
  if (in_period_4 > 0) p.periods.push_back({.index = 4, .start_seconds = 0});
  p.periods.push_back({.index = 5, .start_seconds = 2.0 * in_period_4});
  package::TrackDescription t;
  t.id = "v0";
  t.kind = tidecast::media::TrackKind::video;
  t.timescale = 90000;
  for (std::uint32_t n = 0; n <= count; ++n) {
    const std::uint32_t period = n < in_period_4 ? 4 : 5;
    const std::uint32_t index = n < in_period_4 ? n : n - in_period_4;
    if (n < count) {
      package::SegmentEntry s;
      s.number = n;
      s.index = index;
      s.period = period;
      s.duration = 180000;
      t.segments.push_back(s);
    }
    for (std::uint32_t i = 0; i < (n < count ? 4u : 2u); ++i) {
      t.parts.push_back({.number = n,
                         .index = i,
                         .period = period,
                         .segment_index = index,
                         .duration = 45000,
                         .independent = i == 0});
    }
  }
  p.tracks.push_back(t);
  return p;
}

}  // namespace

TEST_CASE("LL-HLS delta updates: CAN-SKIP-UNTIL is six target durations; segments wholly past it are skipped") {
  const package::Presentation p = long_window(10, 0);
  const std::string full = package::hls_media_playlist(p, 0);
  CAPTURE(full);
  CHECK(count(full,
              "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=12.000,"
              "CAN-SKIP-DATERANGES=YES\n") == 1);
  CHECK(count(full, "#EXT-X-VERSION:7\n") == 1);
  CHECK(count(full, "EXT-X-SKIP") == 0);
  CHECK(count(full, "\n5-0.m4s\n") == 1);

  const std::string delta = package::hls_media_playlist(p, 0, package::HlsSkip::yes);
  CAPTURE(delta);
  // Segment 3 ends 12 s before the end of segment 9 (the boundary): 0..3 go.
  CHECK(count(delta, "#EXT-X-VERSION:9\n") == 1);
  CHECK(count(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n") == 1);
  CHECK(count(delta, "RECENTLY-REMOVED-DATERANGES") == 0);
  CHECK(count(delta, "#EXT-X-MEDIA-SEQUENCE:0\n") == 1);  // unchanged: it numbers the skipped ones too
  CHECK(count(delta, "#EXT-X-DISCONTINUITY-SEQUENCE:3\n") == 1);
  for (const char* gone : {"5-0.m4s", "5-1.m4s", "5-2.m4s", "5-3.m4s"}) CHECK(count(delta, gone) == 0);
  CHECK(count(delta, "#EXTINF:") == 6);
  CHECK(count(delta, "\n5-4.m4s\n") == 1);
  // The first segment after the skip keeps its map; no discontinuity (same period).
  CHECK(delta.find("#EXT-X-SKIP") < delta.find("#EXT-X-MAP:URI=\"init-5.mp4\""));
  CHECK(count(delta, "#EXT-X-MAP:") == 1);
  CHECK(count(delta, "#EXT-X-DISCONTINUITY\n") == 0);
  // Everything after the skipped segments is as in the full playlist.
  CHECK(delta.substr(delta.find("#EXT-X-PROGRAM-DATE-TIME")) ==
        full.substr(full.find("#EXT-X-PROGRAM-DATE-TIME", full.find("\n5-3.m4s\n"))));

  const std::string v2 = package::hls_media_playlist(p, 0, package::HlsSkip::v2);
  CHECK(count(v2, "#EXT-X-SKIP:SKIPPED-SEGMENTS=4,RECENTLY-REMOVED-DATERANGES=\"\"\n") == 1);
  CHECK(count(v2, "#EXT-X-VERSION:9\n") == 1);

  // A window shorter than the boundary: a delta update that skips nothing.
  const std::string short_delta = package::hls_media_playlist(long_window(6, 0), 0, package::HlsSkip::yes);
  CHECK(count(short_delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=0\n") == 1);
  CHECK(count(short_delta, "#EXTINF:") == 6);
}

TEST_CASE("LL-HLS delta updates: a period change after the skip keeps its discontinuity; ended or normal ignore it") {
  // Periods 4 (segments 0..3, all skipped) and 5 (4..9).
  const std::string at_change = package::hls_media_playlist(long_window(10, 4), 0, package::HlsSkip::yes);
  CAPTURE(at_change);
  CHECK(count(at_change, "#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-5.mp4\"\n") == 1);
  CHECK(count(at_change, "init-4.mp4") == 0);
  // Periods 4 (0..5: 0..3 skipped, 4 and 5 kept) and 5 (6..9).
  const std::string within = package::hls_media_playlist(long_window(10, 6), 0, package::HlsSkip::yes);
  CAPTURE(within);
  CHECK(count(within, "#EXT-X-SKIP:SKIPPED-SEGMENTS=4\n#EXT-X-MAP:URI=\"init-4.mp4\"\n") == 1);
  CHECK(count(within, "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-5.mp4\"\n") == 1);
  CHECK(count(within, "#EXT-X-DISCONTINUITY\n") == 1);

  package::Presentation ended = long_window(10, 0);
  ended.ended = true;
  const std::string ended_text = package::hls_media_playlist(ended, 0, package::HlsSkip::yes);
  CHECK(count(ended_text, "EXT-X-SKIP") == 0);
  CHECK(count(ended_text, "#EXT-X-VERSION:7\n") == 1);
  CHECK(count(ended_text, "#EXTINF:") == 10);
  package::Presentation normal = long_window(10, 0);
  normal.part_target_seconds = 0;
  const std::string normal_text = package::hls_media_playlist(normal, 0, package::HlsSkip::yes);
  CHECK(count(normal_text, "SKIP") == 0);
  CHECK(count(normal_text, "#EXTINF:") == 10);
}

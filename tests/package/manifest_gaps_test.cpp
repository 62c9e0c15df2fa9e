// The HLS and DASH writers on a finished recording whose disk filled for a
// while: segments flagged `missing` become EXT-X-GAP in HLS, and DASH (whose
// $Number$ cannot skip a number) splits the Period around them.
#include <doctest/doctest.h>

#include <string>

#include "package/dash_manifest.hpp"
#include "package/hls_playlist.hpp"
#include "package/presentation.hpp"

namespace package = tidecast::package;
using tidecast::media::TrackKind;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

package::TrackDescription track(TrackKind kind, std::string id, std::uint32_t timescale, std::uint64_t duration) {
  package::TrackDescription t;
  t.kind = kind;
  t.id = std::move(id);
  t.codecs = kind == TrackKind::video ? "avc1.64001f" : "mp4a.40.2";
  t.timescale = timescale;
  for (std::uint32_t i = 0; i < 6; ++i) {
    package::SegmentEntry segment;
    segment.number = i;
    segment.index = i;
    segment.start = i * duration;
    segment.duration = duration;
    t.segments.push_back(segment);
  }
  return t;
}

// Six 2-s segments of video (90 kHz) and audio (48 kHz) in period 0.
package::Presentation recording() {
  package::Presentation p;
  p.live = false;
  p.periods = {package::Period{}};
  p.tracks = {track(TrackKind::video, "v0", 90000, 180000), track(TrackKind::audio, "a0", 48000, 96000)};
  return p;
}

}  // namespace

TEST_CASE("without holes a period is one DASH Period and HLS has no gap") {
  const auto p = recording();
  const std::string mpd = package::dash_manifest(p, {});
  CHECK(count(mpd, "<Period ") == 1);
  CHECK(mpd.find("<Period id=\"0\" start=\"PT0.000S\">") != std::string::npos);
  CHECK(mpd.find("<S t=\"0\" d=\"180000\" r=\"5\"/>") != std::string::npos);
  CHECK(count(package::hls_media_playlist(p, 0), "#EXT-X-GAP") == 0);
}

TEST_CASE("a missing segment is an HLS gap and splits the DASH Period") {
  auto p = recording();
  p.tracks[0].segments[2].missing = true;  // video lost segment 2
  p.tracks[1].segments[3].missing = true;  // audio lost segment 3 (small writes can still fail)

  const std::string hls = package::hls_media_playlist(p, 0);
  CHECK(count(hls, "#EXT-X-GAP\n") == 1);
  // The gap tag applies to segment 2's URI; its neighbours are plain.
  const auto gap = hls.find("#EXT-X-GAP\n");
  CHECK(hls.find("0-2.m4s", gap) < hls.find("0-3.m4s", gap));
  CHECK(hls.rfind("0-1.m4s", gap) != std::string::npos);
  CHECK(count(package::hls_media_playlist(p, 1), "#EXT-X-GAP\n") == 1);

  const std::string mpd = package::dash_manifest(p, {});
  // Segments 0-1, then 4-5: numbers 2 and 3 are a hole in one track or the other.
  CHECK(count(mpd, "<Period ") == 2);
  CHECK(mpd.find("<Period id=\"0\" start=\"PT0.000S\">") != std::string::npos);
  CHECK(mpd.find("<Period id=\"0.4\" start=\"PT8.000S\">") != std::string::npos);
  CHECK(mpd.find("startNumber=\"0\" presentationTimeOffset=\"0\"><SegmentTimeline><S t=\"0\" d=\"180000\" r=\"1\"/>") !=
        std::string::npos);
  CHECK(mpd.find("startNumber=\"4\" presentationTimeOffset=\"720000\"><SegmentTimeline><S t=\"720000\" d=\"180000\" "
                 "r=\"1\"/>") != std::string::npos);
  CHECK(mpd.find("startNumber=\"4\" presentationTimeOffset=\"384000\"><SegmentTimeline><S t=\"384000\" d=\"96000\" "
                 "r=\"1\"/>") != std::string::npos);
  // Both parts use period 0's files.
  CHECK(count(mpd, "media=\"$RepresentationID$/0-$Number$.m4s\"") == 4);
}

TEST_CASE("a hole at the start of a period leaves one Period starting later in its timeline") {
  auto p = recording();
  p.tracks[0].segments[0].missing = true;
  const std::string mpd = package::dash_manifest(p, {});
  CHECK(count(mpd, "<Period ") == 1);
  CHECK(mpd.find("startNumber=\"1\" presentationTimeOffset=\"0\"><SegmentTimeline><S t=\"180000\"") !=
        std::string::npos);
}

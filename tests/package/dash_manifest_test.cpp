// The live MPD's clock and timing: what a stock player (dash.js, Shaka) on a
// page from another origin, perhaps behind a CDN, needs to find the server's
// time and to know how long a segment can be.
#include "package/dash_manifest.hpp"

#include <doctest/doctest.h>

#include <string>

#include "package/presentation.hpp"

namespace package = tidecast::package;
using tidecast::media::TrackKind;

namespace {

// A live presentation: one period, `count` video segments of `seconds` each (90 kHz).
package::Presentation live(double seconds, std::uint32_t count = 4) {
  package::Presentation p;
  p.live = true;
  p.target_duration_seconds = 2;
  p.availability_start_ms = 1'796'000'000'000;
  p.periods = {package::Period{}};
  package::TrackDescription t;
  t.kind = TrackKind::video;
  t.id = "v0";
  t.codecs = "avc1.64001f";
  const auto duration = static_cast<std::uint64_t>(seconds * 90000);
  for (std::uint32_t i = 0; i < count; ++i) {
    package::SegmentEntry segment;
    segment.number = i;
    segment.index = i;
    segment.start = i * duration;
    segment.duration = duration;
    t.segments.push_back(segment);
  }
  p.tracks = {t};
  return p;
}

std::string attribute(const std::string& mpd, const std::string& name) {
  const auto at = mpd.find(" " + name + "=\"");
  if (at == std::string::npos) return {};
  const auto from = at + name.size() + 3;
  return mpd.substr(from, mpd.find('"', from) - from);
}

}  // namespace

TEST_CASE("a live MPD names the clock relative to itself, then the time it was made") {
  const std::string mpd = package::dash_manifest(live(2), {"/api/v1/time", 1'796'000'012'345});
  const auto http_iso = mpd.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\"/api/v1/time\"/>");
  const auto direct =
      mpd.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\"2026-11-30T00:53:32.345Z\"/>");
  REQUIRE(http_iso != std::string::npos);
  REQUIRE(direct != std::string::npos);
  CHECK(http_iso < direct);  // order is preference
  CHECK(mpd.find("http://") == std::string::npos);
  // UTCTiming follows the Periods (ISO/IEC 23009-1 MPD element order).
  CHECK(mpd.rfind("</Period>") < http_iso);
  CHECK(attribute(mpd, "publishTime") == "2026-11-30T00:53:32.345Z");
}

TEST_CASE("a finished presentation's static MPD has no clock") {
  auto p = live(2);
  p.ended = true;
  const std::string mpd = package::dash_manifest(p, {"/api/v1/time", 1'796'000'012'345});
  CHECK(attribute(mpd, "type") == "static");
  CHECK(mpd.find("<UTCTiming") == std::string::npos);
}

TEST_CASE("maxSegmentDuration bounds the segments actually made") {
  // Regular 2-s GOPs: the target and a tenth for the next cut's jitter
  // (Shaka's live edge sits this far behind the newest segment).
  CHECK(attribute(package::dash_manifest(live(2), {"/api/v1/time", 0}), "maxSegmentDuration") == "PT2.100S");
  // A publisher with 6-s GOPs (the target cannot be met): the real length.
  CHECK(attribute(package::dash_manifest(live(6), {"/api/v1/time", 0}), "maxSegmentDuration") == "PT6.100S");
}

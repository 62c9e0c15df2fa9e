// Low-latency DASH attributes of the live MPD (package/dash_low_latency.hpp).
#include "package/dash_low_latency.hpp"

#include <doctest/doctest.h>

#include <string>

#include "package/dash_manifest.hpp"

namespace package = tidecast::package;
using tidecast::media::TrackKind;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Live, 2 s segments with 0.4 s parts: video v0, v1 and audio a0.
package::Presentation low_latency() {
  package::Presentation p;
  p.live = true;
  p.target_duration_seconds = 2;
  p.part_target_seconds = 0.4;
  p.availability_start_ms = 1'796'000'000'000;
  p.periods = {package::Period{}};
  for (const char* id : {"v0", "v1", "a0"}) {
    package::TrackDescription t;
    t.kind = id[0] == 'v' ? TrackKind::video : TrackKind::audio;
    t.id = id;
    t.timescale = t.kind == TrackKind::video ? 90000 : 48000;
    for (std::uint32_t i = 0; i < 3; ++i) {
      package::SegmentEntry s;
      s.number = i;
      s.index = i;
      s.start = i * 2ull * t.timescale;
      s.duration = 2ull * t.timescale;
      t.segments.push_back(s);
    }
    p.tracks.push_back(t);
  }
  return p;
}

}  // namespace

TEST_CASE("LL-DASH: each SegmentTemplate is available a part after its segment starts, not complete until it ends") {
  const std::string mpd = package::dash_manifest(low_latency(), {.utc_timing_url = "/api/v1/time", .now_ms = 0});
  CAPTURE(mpd);
  CHECK(count(mpd, "<AdaptationSet ") == 2);
  // availabilityTimeOffset = segment duration - part duration.
  CHECK(count(mpd, " availabilityTimeOffset=\"1.600\" availabilityTimeComplete=\"false\">") == 2);
  CHECK(count(mpd, "<SegmentTemplate ") == 2);
  // The latency to keep (ms) and the playback rates for catching up.
  CHECK(count(mpd,
              "<ServiceDescription id=\"0\">\n    <Latency target=\"1600\" min=\"800\" max=\"3600\"/>\n"
              "    <PlaybackRate min=\"0.96\" max=\"1.04\"/>\n  </ServiceDescription>\n") == 1);
  // ISO/IEC 23009-1 element order: ServiceDescription before the Periods, UTCTiming after.
  CHECK(mpd.find("<ServiceDescription") < mpd.find("<Period"));
  CHECK(mpd.rfind("</Period>") < mpd.find("<UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\""));
  CHECK(count(mpd, "urn:mpeg:dash:utc:direct:2014") == 1);
  // Refreshed every part: the timeline gains the segment in progress with its first part.
  CHECK(count(mpd, " minimumUpdatePeriod=\"PT0.400S\"") == 1);

  const auto latency = package::dash_latency(low_latency());
  CHECK(latency.min_ms < latency.target_ms);
  CHECK(latency.target_ms < latency.max_ms);
}

TEST_CASE("LL-DASH: normal latency, an ended stream and on-demand MPDs have none of it") {
  package::Presentation normal = low_latency();
  normal.part_target_seconds = 0;
  package::Presentation ended = low_latency();
  ended.ended = true;
  package::Presentation vod = low_latency();
  vod.live = false;
  for (const auto& p : {normal, ended, vod}) {
    const std::string mpd = package::dash_manifest(p, {.utc_timing_url = "/api/v1/time", .now_ms = 0});
    CHECK(count(mpd, "availabilityTime") == 0);
    CHECK(count(mpd, "ServiceDescription") == 0);
  }
  const std::string normal_mpd = package::dash_manifest(normal, {.utc_timing_url = "", .now_ms = 0});
  CHECK(count(normal_mpd, " minimumUpdatePeriod=\"PT2.000S\"") == 1);
}

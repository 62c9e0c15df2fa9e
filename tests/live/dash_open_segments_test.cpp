// Low-latency DASH: the segment in progress in the live MPD's timeline.
#include <doctest/doctest.h>

#include "live/rendered_manifest.hpp"

namespace tidecast::test {

namespace {

// v0: segments 0..2 of 2 s in period 7, then `open_parts` parts of segment 3.
package::Presentation with_parts(std::uint32_t open_parts, std::uint32_t open_number = 3) {
  package::Presentation p;
  p.live = true;
  p.part_target_seconds = 0.5;
  p.periods = {package::Period{.index = 7, .start_seconds = 0}};
  package::TrackDescription t;
  t.id = "v0";
  for (std::uint32_t n = 0; n < 3; ++n) {
    t.segments.push_back({.number = n, .index = n, .start = n * 180000ull, .duration = 180000, .period = 7});
  }
  for (std::uint32_t i = 0; i < open_parts; ++i) {
    t.parts.push_back({.number = open_number,
                       .index = i,
                       .period = 7,
                       .segment_index = open_number,
                       .duration = 45000,
                       .independent = i == 0,
                       .start = open_number * 180000ull + i * 45000ull});
  }
  p.tracks.push_back(t);
  return p;
}

}  // namespace

TEST_CASE("LL-DASH: the segment in progress is listed from its first part, named like the segment's file") {
  CHECK(live::with_open_segments(with_parts(0)).tracks[0].segments.size() == 3);
  const auto p = live::with_open_segments(with_parts(2));
  REQUIRE(p.tracks[0].segments.size() == 4);
  const auto& open = p.tracks[0].segments.back();
  CHECK(open.number == 3);
  CHECK(open.start == 540000);
  CHECK(open.duration == 180000);  // the previous one's, until it is done
  const auto names = live::dash_time_names(p);
  REQUIRE(names.contains("v0/7-t540000.m4s"));
  CHECK(names.at("v0/7-t540000.m4s") == "v0/7-3.m4s");
  // Not in normal latency, not once ended, not for a rung's parts after a gap.
  auto normal = with_parts(2);
  normal.part_target_seconds = 0;
  CHECK(live::with_open_segments(normal).tracks[0].segments.size() == 3);
  auto ended = with_parts(2);
  ended.ended = true;
  CHECK(live::with_open_segments(ended).tracks[0].segments.size() == 3);
  CHECK(live::with_open_segments(with_parts(2, 6)).tracks[0].segments.size() == 3);
}

}  // namespace tidecast::test

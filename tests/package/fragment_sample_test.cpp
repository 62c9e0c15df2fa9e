#include "package/fragment_sample.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "media/avc.hpp"
#include "package/fmp4.hpp"
#include "package/test_streams.hpp"

using namespace tidecast;

TEST_CASE("first_sample reads back the keyframe a written media segment starts with") {
  const package::TrackSpec track = package::make_track_spec(media::avc_video_config(test::kAvcc720p), 1);
  const std::vector<std::uint8_t> key = test::fake_frame(0, true);
  const std::vector<std::uint8_t> next = test::fake_frame(1, false);
  const package::Sample samples[] = {{.duration = 3000, .composition_offset = 0, .is_sync = true, .data = key},
                                     {.duration = 3000, .composition_offset = 0, .is_sync = false, .data = next}};
  for (const bool styp : {true, false}) {
    const auto segment = package::write_media_segment(track, 7, 90000, samples, styp);
    const auto sample = package::first_sample(segment);
    REQUIRE(sample.has_value());
    CHECK(std::vector<std::uint8_t>(sample->begin(), sample->end()) == key);
  }
}

TEST_CASE("first_sample refuses what is not a whole media segment, without reading past the end") {
  const package::TrackSpec track = package::make_track_spec(media::avc_video_config(test::kAvcc720p), 1);
  const std::vector<std::uint8_t> key = test::fake_frame(0, true);
  const package::Sample samples[] = {{.duration = 3000, .composition_offset = 0, .is_sync = true, .data = key}};
  const auto segment = package::write_media_segment(track, 1, 0, samples);
  CHECK_FALSE(package::first_sample({}).has_value());
  CHECK_FALSE(package::first_sample(package::write_init_segment(track)).has_value());
  for (std::size_t cut = 0; cut < segment.size(); ++cut) {
    CHECK_FALSE(package::first_sample(std::span(segment).first(cut)).has_value());
  }
  auto huge = segment;
  // A sample size far past the end (the trun's first size field).
  const std::size_t trun = std::string_view(reinterpret_cast<const char*>(huge.data()), huge.size()).find("trun");
  REQUIRE(trun != std::string_view::npos);
  huge[trun + 4 + 4 + 4 + 4 + 4] = 0x7f;  // flags, count, data_offset, duration, then the size's top byte
  CHECK_FALSE(package::first_sample(huge).has_value());
}

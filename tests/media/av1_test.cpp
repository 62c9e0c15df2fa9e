#include "media/av1.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "media/test_bit_writer.hpp"

namespace media = tidecast::media;

namespace {

// av1C boxes written by ffmpeg 5.1: libsvtav1, testsrc2=s=640x360:r=30, 8-bit 4:2:0.
const std::vector<std::uint8_t> kAv1cSvt = {0x81, 0x01, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00,
                                            0x0c, 0xc4, 0xff, 0x67, 0x00, 0xbe, 0x00, 0x10};
// libaom-av1, same source as yuv420p10le.
const std::vector<std::uint8_t> kAv1cAom10 = {0x81, 0x01, 0x4c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00,
                                              0x0c, 0xc4, 0xff, 0x67, 0x36, 0xbe, 0x50, 0x10};

}  // namespace

TEST_CASE("av1C from SVT-AV1, 8-bit 640x360") {
  const media::Av1Config config = media::parse_av1c(kAv1cSvt);
  CHECK(config.seq_profile == 0);
  CHECK(config.seq_level_idx_0 == 1);
  CHECK_FALSE(config.seq_tier_0);
  CHECK_FALSE(config.high_bitdepth);
  CHECK_FALSE(config.monochrome);
  CHECK(config.chroma_subsampling_x == 1);
  CHECK(config.chroma_subsampling_y == 1);
  CHECK(config.bit_depth() == 8);
  CHECK_FALSE(config.initial_presentation_delay_minus_one.has_value());
  CHECK(config.config_obus.size() == 13);
  CHECK(media::av1_codecs_string(config) == "av01.0.01M.08");

  const auto header = media::find_av1_sequence_header(config.config_obus);
  REQUIRE(header.has_value());
  CHECK(header->seq_profile == 0);
  CHECK(header->seq_level_idx_0 == 1);
  CHECK(header->max_frame_width == 640);
  CHECK(header->max_frame_height == 360);

  const media::VideoTrackConfig track = media::av1_video_config(kAv1cSvt);
  CHECK(track.codec == media::Codec::av1);
  CHECK(track.codecs == "av01.0.01M.08");
  CHECK(track.width == 640);
  CHECK(track.height == 360);
  CHECK(track.decoder_config == kAv1cSvt);
}

TEST_CASE("av1C from libaom, 10-bit") {
  const media::Av1Config config = media::parse_av1c(kAv1cAom10);
  CHECK(config.high_bitdepth);
  CHECK_FALSE(config.twelve_bit);
  CHECK(config.bit_depth() == 10);
  CHECK(media::av1_codecs_string(config) == "av01.0.01M.10");
  const media::VideoTrackConfig track = media::av1_video_config(kAv1cAom10);
  CHECK(track.width == 640);
  CHECK(track.height == 360);
}

TEST_CASE("av1C profile 2 twelve-bit, high tier, level 13, no config OBUs") {
  const std::vector<std::uint8_t> av1c = {0x81, (2 << 5) | 13, 0b11100000, 0x00};
  const media::Av1Config config = media::parse_av1c(av1c);
  CHECK(config.seq_profile == 2);
  CHECK(config.seq_tier_0);
  CHECK(config.bit_depth() == 12);
  CHECK(media::av1_codecs_string(config) == "av01.2.13H.12");
  const media::VideoTrackConfig track = media::av1_video_config(av1c);
  CHECK(track.width == 0);  // no sequence header to read the size from
}

TEST_CASE("AV1 sequence header with timing info and decoder model") {
  tidecast::test::BitWriter w;
  w.bits(0, 3);  // seq_profile
  w.bit(0);      // still_picture
  w.bit(0);      // reduced_still_picture_header
  w.bit(1);      // timing_info_present_flag
  w.bits(1001, 32);
  w.bits(60000, 32);
  w.bit(1);          // equal_picture_interval
  w.bits(0b010, 3);  // uvlc: num_ticks_per_picture_minus_1 = 1
  w.bit(1);          // decoder_model_info_present_flag
  w.bits(9, 5);      // buffer_delay_length_minus_1 -> 10-bit delays
  w.bits(1001, 32);
  w.bits(0, 10);
  w.bit(1);      // initial_display_delay_present_flag
  w.bits(1, 5);  // operating_points_cnt_minus_1: two points
  for (int op = 0; op < 2; ++op) {
    w.bits(op == 0 ? 0 : 0x101, 12);
    w.bits(op == 0 ? 9 : 5, 5);  // level 9 (> 7) carries a tier bit
    if (op == 0) w.bit(1);
    w.bit(1);  // decoder_model_present_for_this_op
    w.bits(100, 10);
    w.bits(200, 10);
    w.bit(0);
    w.bit(1);  // initial_display_delay_present_for_this_op
    w.bits(3, 4);
  }
  w.bits(10, 4);  // frame_width_bits_minus_1
  w.bits(11, 4);
  w.bits(1919, 11);
  w.bits(1079, 12);
  w.align();
  const media::Av1SequenceHeader header = media::parse_av1_sequence_header(w.data());
  CHECK(header.seq_level_idx_0 == 9);
  CHECK(header.seq_tier_0);
  CHECK(header.max_frame_width == 1920);
  CHECK(header.max_frame_height == 1080);
  CHECK(header.frame_rate == doctest::Approx(60000.0 / 2002.0));
}

TEST_CASE("av1C errors") {
  CHECK_THROWS_WITH_AS(media::parse_av1c(std::vector<std::uint8_t>{0x01, 0x00, 0x0c, 0x00}), "av1C: marker bit not set",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(media::parse_av1c(std::vector<std::uint8_t>{0x82, 0x00, 0x0c, 0x00}),
                       "av1C: unsupported version", std::invalid_argument);
  CHECK_THROWS_WITH_AS(media::parse_av1c(std::vector<std::uint8_t>{0x81, 0x00}), "av1C: truncated",
                       std::invalid_argument);
  std::vector<std::uint8_t> short_obu(kAv1cSvt.begin(), kAv1cSvt.end() - 3);
  CHECK_THROWS_WITH_AS(media::av1_video_config(short_obu), "av1 OBU: truncated OBU", std::invalid_argument);
}

TEST_CASE("av1C parsing never crashes on truncated or corrupted input") {
  for (const auto* av1c : {&kAv1cSvt, &kAv1cAom10}) {
    const int errors = tidecast::test::check_never_crashes(
        *av1c, [](const std::vector<std::uint8_t>& input) { (void)media::av1_video_config(input); });
    CHECK(errors > 0);
  }
}

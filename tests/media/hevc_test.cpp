#include "media/hevc.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "media/test_bit_writer.hpp"

namespace media = tidecast::media;

namespace {

// hvcC boxes written by ffmpeg 5.1 / libx265 (-x265-params info=0, -tag:v hvc1):
// testsrc2=s=1920x1080:r=30, Main, level 4 (120). Arrays: VPS, SPS, PPS.
const std::vector<std::uint8_t> kHvcc1080p = {
    0x01, 0x01, 0x60, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8,
    0x00, 0x00, 0x0f, 0x03, 0xa0, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0x95, 0x94, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2b,
    0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0xa0,
    0x03, 0xc0, 0x80, 0x11, 0x07, 0xcb, 0x96, 0x56, 0x54, 0xa4, 0xc2, 0xf0, 0x16, 0x80, 0x80, 0x00, 0x00, 0x03, 0x00,
    0x80, 0x00, 0x00, 0x0f, 0x04, 0xa2, 0x00, 0x01, 0x00, 0x06, 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89};
// 642x362 yuv420p10le: Main 10, level 2.1 (63), conformance window.
const std::vector<std::uint8_t> kHvccOdd10 = {
    0x01, 0x02, 0x20, 0x00, 0x00, 0x00, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 0xf0, 0x00, 0xfc, 0xfd,
    0xfa, 0xfa, 0x00, 0x00, 0x0f, 0x03, 0xa0, 0x00, 0x01, 0x00, 0x18, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff,
    0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3f, 0x95, 0x94,
    0x09, 0xa1, 0x00, 0x01, 0x00, 0x31, 0x42, 0x01, 0x01, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3f, 0xa0, 0x05, 0x22, 0x01, 0x71, 0xc4, 0x48, 0xd9, 0x65, 0x65,
    0x4a, 0x4c, 0x2f, 0xff, 0x0b, 0x50, 0x0b, 0x49, 0x68, 0x08, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00,
    0x03, 0x00, 0xf0, 0x40, 0xa2, 0x00, 0x01, 0x00, 0x06, 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89};

}  // namespace

TEST_CASE("hvcC 1920x1080 Main from x265") {
  const media::HevcConfig config = media::parse_hvcc(kHvcc1080p);
  CHECK(config.general_profile_space == 0);
  CHECK_FALSE(config.general_tier_flag);
  CHECK(config.general_profile_idc == 1);
  CHECK(config.general_profile_compatibility_flags == 0x60000000u);
  CHECK(config.general_constraint_indicator_flags == 0x900000000000ull);
  CHECK(config.general_level_idc == 120);
  CHECK(config.chroma_format_idc == 1);
  CHECK(config.bit_depth_luma == 8);
  CHECK(config.nal_length_size == 4);
  REQUIRE(config.arrays.size() == 3);
  CHECK(config.arrays[0].nal_unit_type == 32);
  CHECK(config.arrays[1].nal_unit_type == 33);
  CHECK(config.arrays[2].nal_unit_type == 34);
  CHECK(config.arrays[1].array_completeness);
  CHECK(config.arrays[1].nalus.at(0).size() == 43);
  CHECK(media::hevc_codecs_string(config) == "hvc1.1.6.L120.90");

  const media::HevcSps sps = media::parse_hevc_sps(*config.first_nalu(33));
  CHECK(sps.chroma_format_idc == 1);
  CHECK(sps.width == 1920);
  CHECK(sps.height == 1080);
  CHECK(sps.bit_depth_luma == 8);

  const media::VideoTrackConfig track = media::hevc_video_config(kHvcc1080p);
  CHECK(track.codec == media::Codec::hevc);
  CHECK(track.width == 1920);
  CHECK(track.height == 1080);
  CHECK(track.codecs == "hvc1.1.6.L120.90");
  CHECK(track.frame_rate == 0);  // x265 leaves avgFrameRate unspecified
  CHECK(track.decoder_config == kHvcc1080p);
}

TEST_CASE("hvcC Main 10 with a conformance window (642x362)") {
  const media::HevcConfig config = media::parse_hvcc(kHvccOdd10);
  CHECK(config.general_profile_idc == 2);
  CHECK(config.bit_depth_luma == 10);
  CHECK(config.bit_depth_chroma == 10);
  CHECK(media::hevc_codecs_string(config) == "hvc1.2.4.L63.90");
  const media::HevcSps sps = media::parse_hevc_sps(*config.first_nalu(33));
  CHECK(sps.coded_width == 656);
  CHECK(sps.coded_height == 368);
  CHECK(sps.width == 642);
  CHECK(sps.height == 362);
  CHECK(sps.bit_depth_luma == 10);
}

TEST_CASE("HEVC codecs string: profile space, high tier, reversed flags, trailing zero bytes dropped") {
  media::HevcConfig config;
  config.general_profile_space = 1;
  config.general_tier_flag = true;
  config.general_profile_idc = 4;
  config.general_profile_compatibility_flags = 0x08000000;  // flag[4] -> bit 4 reversed = 0x10
  config.general_constraint_indicator_flags = 0xb00023000000ull;
  config.general_level_idc = 153;
  CHECK(media::hevc_codecs_string(config) == "hvc1.A4.10.H153.B0.00.23");
  config.general_constraint_indicator_flags = 0;
  config.general_profile_compatibility_flags = 0;
  config.general_profile_space = 0;
  CHECK(media::hevc_codecs_string(config) == "hvc1.4.0.H153");
}

TEST_CASE("SPS with sub-layers skips the sub-layer profile/level fields") {
  tidecast::test::BitWriter w;
  w.bits(0x4201, 16);  // NAL header: SPS
  w.bits(0, 4);        // sps_video_parameter_set_id
  w.bits(2, 3);        // sps_max_sub_layers_minus1
  w.bit(1);            // sps_temporal_id_nesting_flag
  w.bits(0x01, 8);     // general profile space/tier/idc
  w.bits(0x60000000, 32);
  w.bits(0x900000000000ull, 48);
  w.bits(93, 8);  // general_level_idc
  w.bit(1);       // sub_layer_profile_present_flag[0]
  w.bit(0);       // sub_layer_level_present_flag[0]
  w.bit(0);
  w.bit(1);                                  // sub layer 1: level only
  for (int i = 2; i < 8; ++i) w.bits(0, 2);  // reserved_zero_2bits
  w.bits(0, 88);                             // sub layer 0 profile
  w.bits(90, 8);                             // sub layer 1 level
  w.ue(0);                                   // sps_seq_parameter_set_id
  w.ue(3);                                   // chroma_format_idc 4:4:4
  w.bit(0);                                  // separate_colour_plane_flag
  w.ue(1283);                                // pic_width_in_luma_samples
  w.ue(724);
  w.bit(1);  // conformance_window_flag: crop unit 1 in 4:4:4
  w.ue(1);
  w.ue(2);
  w.ue(3);
  w.ue(1);
  w.ue(2);  // bit_depth_luma_minus8
  w.ue(2);
  w.trailing();
  const auto nal = tidecast::test::add_emulation_prevention(w.data());
  const media::HevcSps sps = media::parse_hevc_sps(nal);
  CHECK(sps.chroma_format_idc == 3);
  CHECK(sps.width == 1280);
  CHECK(sps.height == 720);
  CHECK(sps.bit_depth_luma == 10);
}

TEST_CASE("hvcC errors") {
  std::vector<std::uint8_t> truncated(kHvcc1080p.begin(), kHvcc1080p.begin() + 40);
  CHECK_THROWS_WITH_AS(media::parse_hvcc(truncated), "hvcC: truncated NAL unit", std::invalid_argument);
  std::vector<std::uint8_t> header_only(kHvcc1080p.begin(), kHvcc1080p.begin() + 10);
  CHECK_THROWS_AS(media::parse_hvcc(header_only), std::invalid_argument);
  // No arrays at all: the header alone parses, but a track needs the SPS.
  std::vector<std::uint8_t> no_arrays(kHvcc1080p.begin(), kHvcc1080p.begin() + 23);
  no_arrays[22] = 0;
  CHECK(media::parse_hvcc(no_arrays).arrays.empty());
  CHECK_THROWS_WITH_AS(media::hevc_video_config(no_arrays), "hvcC: no SPS", std::invalid_argument);
  CHECK_THROWS_WITH_AS(media::parse_hevc_sps(std::vector<std::uint8_t>{0x40, 0x01, 0x0c}),
                       "hevc SPS: not an SPS NAL unit", std::invalid_argument);
}

TEST_CASE("hvcC parsing never crashes on truncated or corrupted input") {
  for (const auto* hvcc : {&kHvcc1080p, &kHvccOdd10}) {
    const int errors = tidecast::test::check_never_crashes(
        *hvcc, [](const std::vector<std::uint8_t>& input) { (void)media::hevc_video_config(input); });
    CHECK(errors > 0);
  }
}

TEST_CASE("hevc_is_irap finds IDR/CRA pictures") {
  const std::vector<std::uint8_t> idr = {0, 0, 0, 3, 0x46, 0x01, 0x50,   // AUD
                                         0, 0, 0, 3, 0x26, 0x01, 0xaf};  // IDR_W_RADL (19)
  CHECK(media::hevc_is_irap(idr, 4));
  const std::vector<std::uint8_t> cra = {0, 0, 0, 3, 0x2a, 0x01, 0xaf};  // CRA_NUT (21)
  CHECK(media::hevc_is_irap(cra, 4));
  const std::vector<std::uint8_t> trail = {0, 0, 0, 3, 0x02, 0x01, 0xd0};  // TRAIL_R (1)
  CHECK_FALSE(media::hevc_is_irap(trail, 4));
  CHECK_FALSE(media::hevc_is_irap(std::vector<std::uint8_t>{0, 0, 0, 7, 0x26}, 4));
}

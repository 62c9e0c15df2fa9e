#include "media/avc.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "media/test_bit_writer.hpp"

namespace media = tidecast::media;

namespace {

// avcC boxes written by ffmpeg 5.1 / libx264 (the box payloads, from stsd):
// testsrc2=s=1280x720:r=30, High profile, level 3.1.
const std::vector<std::uint8_t> kAvcc720p = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1f,
                                             0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
                                             0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60, 0x01, 0x00,
                                             0x04, 0x68, 0xef, 0x8f, 0xcb, 0xfd, 0xf8, 0xf8, 0x00};
// testsrc2=s=1920x1080:r=25 -profile:v main: 1088 coded lines cropped to 1080.
const std::vector<std::uint8_t> kAvcc1080pMain = {0x01, 0x4d, 0x40, 0x28, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x4d, 0x40,
                                                  0x28, 0xec, 0xa0, 0x3c, 0x01, 0x13, 0xf2, 0xe0, 0x22, 0x00, 0x00,
                                                  0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x64, 0x1e, 0x30, 0x63,
                                                  0x2c, 0x01, 0x00, 0x04, 0x68, 0xef, 0x8f, 0xc8};
// 642x362 at 24000/1001, constrained baseline: 14 columns and 6 lines cropped.
const std::vector<std::uint8_t> kAvccOddBaseline = {
    0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x17, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x90, 0xbf, 0x88, 0x93, 0x01,
    0x10, 0x00, 0x00, 0x3e, 0x90, 0x00, 0x0b, 0xb8, 0x00, 0xf1, 0x62, 0xea, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};
// 641x361 yuv444p at 30 fps, High 4:4:4 Predictive with custom quant matrices
// (x264 puts them in the PPS): crop unit 1, odd crops.
const std::vector<std::uint8_t> kAvcc444Odd = {
    0x01, 0xf4, 0x00, 0x1e, 0xff, 0xe1, 0x00, 0x20, 0x67, 0xf4, 0x00, 0x1e, 0x91, 0x9b, 0x28, 0x14, 0x85, 0xfc,
    0x21, 0x11, 0xff, 0x86, 0x72, 0x86, 0x70, 0x88, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0xe0,
    0x78, 0xb1, 0x6c, 0xb0, 0x01, 0x00, 0x4b, 0x68, 0xef, 0x8f, 0x19, 0x39, 0x11, 0x84, 0x1c, 0xe8, 0xc6, 0x32,
    0x39, 0xc4, 0x19, 0x10, 0x80, 0x21, 0x21, 0x00, 0x43, 0xa1, 0xc1, 0x01, 0xe3, 0xd0, 0xe1, 0xc3, 0x82, 0x03,
    0xc7, 0x8f, 0x1e, 0x87, 0x0e, 0x1c, 0x38, 0x70, 0x40, 0x78, 0xf1, 0xe3, 0xc7, 0x8f, 0x43, 0x87, 0x0e, 0x1c,
    0x38, 0x70, 0xe4, 0x3c, 0x78, 0xf1, 0xe3, 0xc7, 0x84, 0x07, 0x0e, 0x1c, 0x38, 0x72, 0x1e, 0x3c, 0x78, 0xf0,
    0x80, 0xe1, 0xc3, 0x90, 0xf1, 0xe1, 0x01, 0xc8, 0x06, 0x40, 0xff, 0xf8, 0xf8, 0x00};

// A High profile SPS with seq_scaling_matrix_present_flag and explicit lists
// (x264 never writes these), built field by field per H.264 7.3.2.1.1.
std::vector<std::uint8_t> sps_with_scaling_lists(bool interlaced) {
  tidecast::test::BitWriter w;
  w.bits(100, 8);  // profile_idc: High
  w.bits(0, 8);    // constraint flags
  w.bits(40, 8);   // level_idc
  w.ue(0);         // seq_parameter_set_id
  w.ue(1);         // chroma_format_idc 4:2:0
  w.ue(0);         // bit_depth_luma_minus8
  w.ue(0);         // bit_depth_chroma_minus8
  w.bit(0);        // qpprime_y_zero_transform_bypass_flag
  w.bit(1);        // seq_scaling_matrix_present_flag
  for (int i = 0; i < 8; ++i) {
    const bool present = i == 0 || i == 2 || i == 6;
    w.bit(present ? 1 : 0);
    if (!present) continue;
    const int size = i < 6 ? 16 : 64;
    if (i == 2) {
      w.se(-8);  // nextScale 0 at j = 0: useDefaultScalingMatrixFlag, no more deltas
      continue;
    }
    for (int j = 0; j < size; ++j) w.se(j % 3 == 0 ? 3 : -1);
  }
  w.ue(0);    // log2_max_frame_num_minus4
  w.ue(0);    // pic_order_cnt_type
  w.ue(2);    // log2_max_pic_order_cnt_lsb_minus4
  w.ue(4);    // max_num_ref_frames
  w.bit(0);   // gaps_in_frame_num_value_allowed_flag
  w.ue(119);  // pic_width_in_mbs_minus1: 1920
  if (interlaced) {
    w.ue(33);  // pic_height_in_map_units_minus1: 34 field MB rows = 1088 lines
    w.bit(0);  // frame_mbs_only_flag
    w.bit(1);  // mb_adaptive_frame_field_flag
  } else {
    w.ue(67);  // 68 MB rows = 1088
    w.bit(1);
  }
  w.bit(1);  // direct_8x8_inference_flag
  w.bit(1);  // frame_cropping_flag
  w.ue(0);
  w.ue(0);
  w.ue(0);
  w.ue(interlaced ? 2 : 4);  // bottom: 2 x CropUnitY 4 or 4 x CropUnitY 2 = 8 lines
  w.bit(1);                  // vui_parameters_present_flag
  w.bit(1);                  // aspect_ratio_info_present_flag
  w.bits(255, 8);            // Extended_SAR
  w.bits(4, 16);
  w.bits(3, 16);
  w.bit(0);  // overscan_info_present_flag
  w.bit(1);  // video_signal_type_present_flag
  w.bits(5, 3);
  w.bit(0);
  w.bit(1);  // colour_description_present_flag
  w.bits(0x010101, 24);
  w.bit(1);  // chroma_loc_info_present_flag
  w.ue(0);
  w.ue(0);
  w.bit(1);  // timing_info_present_flag
  w.bits(1001, 32);
  w.bits(60000, 32);
  w.bit(1);  // fixed_frame_rate_flag
  w.bit(0);  // nal_hrd_parameters_present_flag ... (not parsed)
  w.trailing();
  std::vector<std::uint8_t> nal = {0x67};
  const auto escaped = tidecast::test::add_emulation_prevention(w.data());
  nal.insert(nal.end(), escaped.begin(), escaped.end());
  return nal;
}

std::vector<std::uint8_t> avcc_around(const std::vector<std::uint8_t>& sps) {
  std::vector<std::uint8_t> avcc = {0x01, sps[1], sps[2], sps[3], 0xff, 0xe1};
  avcc.push_back(static_cast<std::uint8_t>(sps.size() >> 8));
  avcc.push_back(static_cast<std::uint8_t>(sps.size()));
  avcc.insert(avcc.end(), sps.begin(), sps.end());
  avcc.insert(avcc.end(), {0x01, 0x00, 0x04, 0x68, 0xef, 0x8f, 0xcb});
  return avcc;
}

}  // namespace

TEST_CASE("avcC 1280x720 High profile from x264") {
  const media::AvcConfig config = media::parse_avcc(kAvcc720p);
  CHECK(config.profile == 100);
  CHECK(config.compatibility == 0);
  CHECK(config.level == 31);
  CHECK(config.nal_length_size == 4);
  REQUIRE(config.sps.size() == 1);
  CHECK(config.sps[0].size() == 26);
  REQUIRE(config.pps.size() == 1);
  CHECK(config.pps[0] == std::vector<std::uint8_t>{0x68, 0xef, 0x8f, 0xcb});
  CHECK(media::avc_codecs_string(config) == "avc1.64001f");

  const media::AvcSps sps = media::parse_avc_sps(config.sps[0]);
  CHECK(sps.profile_idc == 100);
  CHECK(sps.level_idc == 31);
  CHECK(sps.chroma_format_idc == 1);
  CHECK(sps.bit_depth_luma == 8);
  CHECK(sps.frame_mbs_only);
  CHECK(sps.coded_width == 1280);
  CHECK(sps.coded_height == 720);
  CHECK(sps.width == 1280);
  CHECK(sps.height == 720);
  CHECK(sps.frame_rate == doctest::Approx(30.0));

  const media::VideoTrackConfig track = media::avc_video_config(kAvcc720p);
  CHECK(track.codec == media::Codec::h264);
  CHECK(track.decoder_config == kAvcc720p);
  CHECK(track.width == 1280);
  CHECK(track.height == 720);
  CHECK(track.codecs == "avc1.64001f");
  CHECK(track.frame_rate == doctest::Approx(30.0));
}

TEST_CASE("avcC 1920x1080 Main profile crops 1088 coded lines") {
  const media::AvcConfig config = media::parse_avcc(kAvcc1080pMain);
  CHECK(media::avc_codecs_string(config) == "avc1.4d4028");
  const media::AvcSps sps = media::parse_avc_sps(config.sps.at(0));
  CHECK(sps.profile_idc == 77);
  CHECK(sps.constraint_flags == 0x40);
  CHECK(sps.coded_width == 1920);
  CHECK(sps.coded_height == 1088);
  CHECK(sps.width == 1920);
  CHECK(sps.height == 1080);
  CHECK(sps.frame_rate == doctest::Approx(25.0));
}

TEST_CASE("avcC 642x362 baseline with right and bottom crops at 23.976 fps") {
  const media::VideoTrackConfig track = media::avc_video_config(kAvccOddBaseline);
  CHECK(track.codecs == "avc1.42c01e");
  CHECK(track.width == 642);
  CHECK(track.height == 362);
  CHECK(track.frame_rate == doctest::Approx(24000.0 / 1001.0));
  const media::AvcSps sps = media::parse_avc_sps(media::parse_avcc(kAvccOddBaseline).sps.at(0));
  CHECK(sps.coded_width == 656);
  CHECK(sps.coded_height == 368);
}

TEST_CASE("avcC 641x361 High 4:4:4 with odd crops (crop unit 1)") {
  const media::AvcConfig config = media::parse_avcc(kAvcc444Odd);
  CHECK(media::avc_codecs_string(config) == "avc1.f4001e");
  CHECK(config.pps.at(0).size() == 75);
  const media::AvcSps sps = media::parse_avc_sps(config.sps.at(0));
  CHECK(sps.chroma_format_idc == 3);
  CHECK(sps.coded_width == 656);
  CHECK(sps.coded_height == 368);
  CHECK(sps.width == 641);
  CHECK(sps.height == 361);
  CHECK(sps.frame_rate == doctest::Approx(30.0));
}

TEST_CASE("SPS with explicit scaling lists, VUI SAR and 29.97 fps timing") {
  const auto nal = sps_with_scaling_lists(false);
  const media::AvcSps sps = media::parse_avc_sps(nal);
  CHECK(sps.profile_idc == 100);
  CHECK(sps.level_idc == 40);
  CHECK(sps.width == 1920);
  CHECK(sps.height == 1080);
  CHECK(sps.sar_width == 4);
  CHECK(sps.sar_height == 3);
  CHECK(sps.frame_rate == doctest::Approx(29.97).epsilon(0.001));

  const media::VideoTrackConfig track = media::avc_video_config(avcc_around(nal));
  CHECK(track.codecs == "avc1.640028");
  CHECK(track.width == 1920);
  CHECK(track.height == 1080);
}

TEST_CASE("interlaced SPS: field macroblock pairs and doubled vertical crop unit") {
  const media::AvcSps sps = media::parse_avc_sps(sps_with_scaling_lists(true));
  CHECK_FALSE(sps.frame_mbs_only);
  CHECK(sps.coded_height == 1088);
  CHECK(sps.height == 1080);
  CHECK(sps.width == 1920);
}

TEST_CASE("avcC errors name what is wrong") {
  std::vector<std::uint8_t> truncated(kAvcc720p.begin(), kAvcc720p.begin() + 20);
  CHECK_THROWS_WITH_AS(media::parse_avcc(truncated), "avcC: truncated SPS", std::invalid_argument);
  std::vector<std::uint8_t> truncated_pps(kAvcc720p.begin(), kAvcc720p.begin() + 38);
  CHECK_THROWS_WITH_AS(media::parse_avcc(truncated_pps), "avcC: truncated PPS", std::invalid_argument);
  std::vector<std::uint8_t> version = kAvcc720p;
  version[0] = 2;
  CHECK_THROWS_WITH_AS(media::parse_avcc(version), "avcC: unsupported configurationVersion", std::invalid_argument);
  std::vector<std::uint8_t> no_sps = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe0, 0x00};
  CHECK_THROWS_WITH_AS(media::parse_avcc(no_sps), "avcC: no SPS", std::invalid_argument);
  CHECK_THROWS_AS(media::parse_avcc({}), std::invalid_argument);

  // A PPS where the SPS should be.
  CHECK_THROWS_WITH_AS(media::parse_avc_sps(std::vector<std::uint8_t>{0x68, 0xef}), "avc SPS: not an SPS NAL unit",
                       std::invalid_argument);
  // The SPS cut short inside its fields.
  const media::AvcConfig config = media::parse_avcc(kAvcc720p);
  const auto& sps = config.sps[0];
  CHECK_THROWS_WITH_AS(media::parse_avc_sps(std::vector<std::uint8_t>(sps.begin(), sps.begin() + 6)),
                       "avc SPS: truncated", std::invalid_argument);
}

TEST_CASE("avcC and SPS parsing never crash on truncated or corrupted input") {
  for (const auto* avcc : {&kAvcc720p, &kAvcc1080pMain, &kAvccOddBaseline, &kAvcc444Odd}) {
    const int errors = tidecast::test::check_never_crashes(
        *avcc, [](const std::vector<std::uint8_t>& input) { (void)media::avc_video_config(input); });
    CHECK(errors > 0);
  }
  tidecast::test::check_never_crashes(
      sps_with_scaling_lists(true), [](const std::vector<std::uint8_t>& input) { (void)media::parse_avc_sps(input); });
}

TEST_CASE("avc_is_idr scans every NAL unit of a length-prefixed access unit") {
  const std::vector<std::uint8_t> idr = {0, 0, 0, 2, 0x09, 0xf0,        // AUD
                                         0, 0, 0, 3, 0x06, 0x05, 0x01,  // SEI
                                         0, 0, 0, 2, 0x65, 0x88};       // IDR slice
  CHECK(media::avc_is_idr(idr, 4));
  const std::vector<std::uint8_t> non_idr = {0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 2, 0x41, 0x9a};
  CHECK_FALSE(media::avc_is_idr(non_idr, 4));
  const std::vector<std::uint8_t> two_byte = {0, 2, 0x09, 0xf0, 0, 2, 0x65, 0x88};
  CHECK(media::avc_is_idr(two_byte, 2));
  // A length running past the end stops the scan before reading the IDR byte.
  const std::vector<std::uint8_t> overrun = {0, 0, 0, 9, 0x65, 0x88};
  CHECK_FALSE(media::avc_is_idr(overrun, 4));
  CHECK_FALSE(media::avc_is_idr({}, 4));
  CHECK_FALSE(media::avc_is_idr(idr, 3 + 2));
  CHECK_FALSE(media::avc_is_idr(idr, 0));
}

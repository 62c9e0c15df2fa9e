#include "media/avc.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "media/bit_reader.hpp"
#include "media/nal_units.hpp"

namespace tidecast::media {
namespace {

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling lists.
bool has_chroma_info(int profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

void skip_scaling_list(BitReader& reader, int size) {
  int last_scale = 8;
  int next_scale = 8;
  for (int j = 0; j < size; ++j) {
    if (next_scale != 0) {
      const std::int64_t delta = reader.se();
      if (delta < -128 || delta > 127) reader.fail("delta_scale out of range");
      next_scale = static_cast<int>((last_scale + delta + 256) % 256);
    }
    if (next_scale != 0) last_scale = next_scale;
  }
}

// Table E-1 sample aspect ratios, indexed by aspect_ratio_idc 1..16.
constexpr int kSarTable[17][2] = {{0, 0},   {1, 1},    {12, 11}, {10, 11}, {16, 11}, {40, 33},
                                  {24, 11}, {20, 11},  {32, 11}, {80, 33}, {18, 11}, {15, 11},
                                  {64, 33}, {160, 99}, {4, 3},   {3, 2},   {2, 1}};

void parse_vui(BitReader& reader, AvcSps& sps) {
  if (reader.flag()) {  // aspect_ratio_info_present_flag
    const std::uint32_t idc = reader.bits(8);
    if (idc == 255) {  // Extended_SAR
      sps.sar_width = static_cast<int>(reader.bits(16));
      sps.sar_height = static_cast<int>(reader.bits(16));
    } else if (idc >= 1 && idc <= 16) {
      sps.sar_width = kSarTable[idc][0];
      sps.sar_height = kSarTable[idc][1];
    }
    if (sps.sar_width == 0 || sps.sar_height == 0) sps.sar_width = sps.sar_height = 1;
  }
  if (reader.flag()) reader.skip(1);     // overscan_info_present_flag, overscan_appropriate_flag
  if (reader.flag()) {                   // video_signal_type_present_flag
    reader.skip(4);                      // video_format, video_full_range_flag
    if (reader.flag()) reader.skip(24);  // colour_primaries, transfer, matrix
  }
  if (reader.flag()) {  // chroma_loc_info_present_flag
    reader.ue();
    reader.ue();
  }
  if (reader.flag()) {  // timing_info_present_flag
    const std::uint32_t num_units_in_tick = reader.bits(32);
    const std::uint32_t time_scale = reader.bits(32);
    if (num_units_in_tick != 0 && time_scale != 0) {
      sps.frame_rate = static_cast<double>(time_scale) / (2.0 * num_units_in_tick);
    }
  }
  // The rest (HRD, bitstream restriction) is not needed.
}

}  // namespace

AvcSps parse_avc_sps(std::span<const std::uint8_t> nal) {
  if (nal.empty()) throw std::invalid_argument("avc SPS: empty");
  if ((nal[0] & 0x1f) != 7) throw std::invalid_argument("avc SPS: not an SPS NAL unit");
  const std::vector<std::uint8_t> rbsp = remove_emulation_prevention(nal.subspan(1));
  BitReader reader(rbsp, "avc SPS");
  AvcSps sps;
  sps.profile_idc = static_cast<int>(reader.bits(8));
  sps.constraint_flags = static_cast<int>(reader.bits(8));
  sps.level_idc = static_cast<int>(reader.bits(8));
  if (reader.ue() > 31) reader.fail("seq_parameter_set_id out of range");

  bool separate_colour_plane = false;
  if (has_chroma_info(sps.profile_idc)) {
    const std::uint32_t chroma = reader.ue();
    if (chroma > 3) reader.fail("chroma_format_idc out of range");
    sps.chroma_format_idc = static_cast<int>(chroma);
    if (chroma == 3) separate_colour_plane = reader.flag();
    const std::uint32_t luma_minus8 = reader.ue();
    const std::uint32_t chroma_minus8 = reader.ue();
    if (luma_minus8 > 6 || chroma_minus8 > 6) reader.fail("bit depth out of range");
    sps.bit_depth_luma = 8 + static_cast<int>(luma_minus8);
    sps.bit_depth_chroma = 8 + static_cast<int>(chroma_minus8);
    reader.skip(1);       // qpprime_y_zero_transform_bypass_flag
    if (reader.flag()) {  // seq_scaling_matrix_present_flag
      const int lists = chroma != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        if (reader.flag()) skip_scaling_list(reader, i < 6 ? 16 : 64);
      }
    }
  }

  if (reader.ue() > 12) reader.fail("log2_max_frame_num_minus4 out of range");
  const std::uint32_t poc_type = reader.ue();
  if (poc_type == 0) {
    if (reader.ue() > 12) reader.fail("log2_max_pic_order_cnt_lsb_minus4 out of range");
  } else if (poc_type == 1) {
    reader.skip(1);  // delta_pic_order_always_zero_flag
    reader.se();     // offset_for_non_ref_pic
    reader.se();     // offset_for_top_to_bottom_field
    const std::uint32_t cycle = reader.ue();
    if (cycle > 255) reader.fail("num_ref_frames_in_pic_order_cnt_cycle out of range");
    for (std::uint32_t i = 0; i < cycle; ++i) reader.se();
  } else if (poc_type != 2) {
    reader.fail("pic_order_cnt_type out of range");
  }
  reader.ue();     // max_num_ref_frames
  reader.skip(1);  // gaps_in_frame_num_value_allowed_flag
  const std::uint64_t width_mbs = reader.ue() + std::uint64_t{1};
  const std::uint64_t height_map_units = reader.ue() + std::uint64_t{1};
  sps.frame_mbs_only = reader.flag();
  if (!sps.frame_mbs_only) reader.skip(1);  // mb_adaptive_frame_field_flag
  reader.skip(1);                           // direct_8x8_inference_flag

  // 16384 pixels per side is far beyond any H.264 level; it also keeps the
  // arithmetic below in int range.
  const std::uint64_t height_mbs = height_map_units * (sps.frame_mbs_only ? 1 : 2);
  if (width_mbs > 1024 || height_mbs > 1024) {
    reader.fail("picture size out of range");
  }
  sps.coded_width = static_cast<int>(width_mbs * 16);
  sps.coded_height = static_cast<int>(height_mbs * 16);

  int crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;
  if (reader.flag()) {  // frame_cropping_flag
    const std::uint32_t offsets[4] = {reader.ue(), reader.ue(), reader.ue(), reader.ue()};
    for (const std::uint32_t offset : offsets) {
      if (offset > 16384) reader.fail("frame crop offset out of range");
    }
    const int chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
    const int sub_width = chroma_array_type == 1 || chroma_array_type == 2 ? 2 : 1;
    const int sub_height = chroma_array_type == 1 ? 2 : 1;
    const int unit_x = sub_width;
    const int unit_y = sub_height * (sps.frame_mbs_only ? 1 : 2);
    crop_left = static_cast<int>(offsets[0]) * unit_x;
    crop_right = static_cast<int>(offsets[1]) * unit_x;
    crop_top = static_cast<int>(offsets[2]) * unit_y;
    crop_bottom = static_cast<int>(offsets[3]) * unit_y;
  }
  sps.width = sps.coded_width - crop_left - crop_right;
  sps.height = sps.coded_height - crop_top - crop_bottom;
  if (sps.width <= 0 || sps.height <= 0) reader.fail("frame cropping larger than the picture");

  if (reader.flag()) parse_vui(reader, sps);  // vui_parameters_present_flag
  return sps;
}

AvcConfig parse_avcc(std::span<const std::uint8_t> avcc) {
  ByteReader reader(avcc, "avcC");
  AvcConfig config;
  if (reader.u8() != 1) reader.fail("unsupported configurationVersion");
  config.profile = reader.u8();
  config.compatibility = reader.u8();
  config.level = reader.u8();
  config.nal_length_size = (reader.u8() & 0x03) + 1;
  if (config.nal_length_size == 3) reader.fail("invalid NAL length size 3");
  const int sps_count = reader.u8() & 0x1f;
  for (int i = 0; i < sps_count; ++i) {
    const std::uint16_t length = reader.u16();
    const auto nal = reader.bytes(length, "SPS");
    config.sps.emplace_back(nal.begin(), nal.end());
  }
  if (config.sps.empty()) reader.fail("no SPS");
  const int pps_count = reader.u8();
  for (int i = 0; i < pps_count; ++i) {
    const std::uint16_t length = reader.u16();
    const auto nal = reader.bytes(length, "PPS");
    config.pps.emplace_back(nal.begin(), nal.end());
  }
  return config;
}

std::string avc_codecs_string(const AvcConfig& config) {
  return fmt::format("avc1.{:02x}{:02x}{:02x}", config.profile & 0xff, config.compatibility & 0xff,
                     config.level & 0xff);
}

VideoTrackConfig avc_video_config(std::span<const std::uint8_t> avcc) {
  const AvcConfig config = parse_avcc(avcc);
  const AvcSps sps = parse_avc_sps(config.sps.front());
  VideoTrackConfig track;
  track.codec = Codec::h264;
  track.decoder_config.assign(avcc.begin(), avcc.end());
  track.width = sps.width;
  track.height = sps.height;
  track.codecs = avc_codecs_string(config);
  track.frame_rate = sps.frame_rate;
  return track;
}

bool avc_is_idr(std::span<const std::uint8_t> data, int nal_length_size) {
  return any_nal_unit(data, nal_length_size, [](std::span<const std::uint8_t> nal) { return (nal[0] & 0x1f) == 5; });
}

}  // namespace tidecast::media

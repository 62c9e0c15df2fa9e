#include "media/hevc.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "media/bit_reader.hpp"
#include "media/nal_units.hpp"

namespace tidecast::media {
namespace {

constexpr int kVps = 32;
constexpr int kSps = 33;

void skip_profile_tier_level(BitReader& reader, int max_sub_layers_minus1) {
  reader.skip(96);  // general profile (88 bits) + general_level_idc
  bool profile_present[8] = {};
  bool level_present[8] = {};
  for (int i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = reader.flag();
    level_present[i] = reader.flag();
  }
  if (max_sub_layers_minus1 > 0) reader.skip(2 * static_cast<std::size_t>(8 - max_sub_layers_minus1));
  for (int i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) reader.skip(88);
    if (level_present[i]) reader.skip(8);
  }
}

}  // namespace

const std::vector<std::uint8_t>* HevcConfig::first_nalu(int nal_unit_type) const {
  for (const HevcNalArray& array : arrays) {
    if (array.nal_unit_type == nal_unit_type && !array.nalus.empty()) return &array.nalus.front();
  }
  return nullptr;
}

HevcConfig parse_hvcc(std::span<const std::uint8_t> hvcc) {
  ByteReader reader(hvcc, "hvcC");
  HevcConfig config;
  if (reader.u8() != 1) reader.fail("unsupported configurationVersion");
  const std::uint8_t profile = reader.u8();
  config.general_profile_space = profile >> 6;
  config.general_tier_flag = (profile & 0x20) != 0;
  config.general_profile_idc = profile & 0x1f;
  config.general_profile_compatibility_flags = reader.u32();
  config.general_constraint_indicator_flags = (std::uint64_t{reader.u16()} << 32) | reader.u32();
  config.general_level_idc = reader.u8();
  reader.u16();  // min_spatial_segmentation_idc
  reader.u8();   // parallelismType
  config.chroma_format_idc = reader.u8() & 0x03;
  config.bit_depth_luma = (reader.u8() & 0x07) + 8;
  config.bit_depth_chroma = (reader.u8() & 0x07) + 8;
  config.avg_frame_rate = reader.u16();
  config.nal_length_size = (reader.u8() & 0x03) + 1;
  if (config.nal_length_size == 3) reader.fail("invalid NAL length size 3");
  const int array_count = reader.u8();
  for (int i = 0; i < array_count; ++i) {
    HevcNalArray array;
    const std::uint8_t type = reader.u8();
    array.array_completeness = (type & 0x80) != 0;
    array.nal_unit_type = type & 0x3f;
    const std::uint16_t count = reader.u16();
    for (int j = 0; j < count; ++j) {
      const std::uint16_t length = reader.u16();
      const auto nal = reader.bytes(length, "NAL unit");
      array.nalus.emplace_back(nal.begin(), nal.end());
    }
    config.arrays.push_back(std::move(array));
  }
  return config;
}

HevcSps parse_hevc_sps(std::span<const std::uint8_t> nal) {
  if (nal.size() < 2) throw std::invalid_argument("hevc SPS: truncated NAL header");
  if (((nal[0] >> 1) & 0x3f) != kSps) throw std::invalid_argument("hevc SPS: not an SPS NAL unit");
  const std::vector<std::uint8_t> rbsp = remove_emulation_prevention(nal.subspan(2));
  BitReader reader(rbsp, "hevc SPS");
  reader.skip(4);  // sps_video_parameter_set_id
  const int max_sub_layers_minus1 = static_cast<int>(reader.bits(3));
  if (max_sub_layers_minus1 > 6) reader.fail("sps_max_sub_layers_minus1 out of range");
  reader.skip(1);  // sps_temporal_id_nesting_flag
  skip_profile_tier_level(reader, max_sub_layers_minus1);
  if (reader.ue() > 15) reader.fail("sps_seq_parameter_set_id out of range");

  HevcSps sps;
  const std::uint32_t chroma = reader.ue();
  if (chroma > 3) reader.fail("chroma_format_idc out of range");
  sps.chroma_format_idc = static_cast<int>(chroma);
  const bool separate_colour_plane = chroma == 3 && reader.flag();
  const std::uint32_t width = reader.ue();
  const std::uint32_t height = reader.ue();
  if (width == 0 || height == 0 || width > 16888 || height > 16888) reader.fail("picture size out of range");
  sps.coded_width = static_cast<int>(width);
  sps.coded_height = static_cast<int>(height);

  std::uint64_t crop_x = 0, crop_y = 0;
  if (reader.flag()) {  // conformance_window_flag
    const std::uint64_t left = reader.ue(), right = reader.ue(), top = reader.ue(), bottom = reader.ue();
    const int chroma_array_type = separate_colour_plane ? 0 : sps.chroma_format_idc;
    const std::uint64_t sub_width = chroma_array_type == 1 || chroma_array_type == 2 ? 2 : 1;
    const std::uint64_t sub_height = chroma_array_type == 1 ? 2 : 1;
    crop_x = sub_width * (left + right);
    crop_y = sub_height * (top + bottom);
  }
  if (crop_x >= width || crop_y >= height) reader.fail("conformance window larger than the picture");
  sps.width = static_cast<int>(width - crop_x);
  sps.height = static_cast<int>(height - crop_y);

  const std::uint32_t luma_minus8 = reader.ue();
  const std::uint32_t chroma_minus8 = reader.ue();
  if (luma_minus8 > 8 || chroma_minus8 > 8) reader.fail("bit depth out of range");
  sps.bit_depth_luma = 8 + static_cast<int>(luma_minus8);
  sps.bit_depth_chroma = 8 + static_cast<int>(chroma_minus8);
  return sps;
}

std::string hevc_codecs_string(const HevcConfig& config) {
  std::string out = "hvc1.";
  if (config.general_profile_space > 0) out += static_cast<char>('A' + config.general_profile_space - 1);
  out += std::to_string(config.general_profile_idc);

  std::uint32_t reversed = 0;
  for (int bit = 0; bit < 32; ++bit) {
    if (config.general_profile_compatibility_flags & (std::uint32_t{1} << bit)) reversed |= 1u << (31 - bit);
  }
  out += fmt::format(".{:X}.{}{}", reversed, config.general_tier_flag ? 'H' : 'L', config.general_level_idc);

  std::uint8_t bytes[6];
  int last_nonzero = -1;
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<std::uint8_t>(config.general_constraint_indicator_flags >> (40 - 8 * i));
    if (bytes[i] != 0) last_nonzero = i;
  }
  for (int i = 0; i <= last_nonzero; ++i) out += fmt::format(".{:02X}", bytes[i]);
  return out;
}

VideoTrackConfig hevc_video_config(std::span<const std::uint8_t> hvcc) {
  const HevcConfig config = parse_hvcc(hvcc);
  const std::vector<std::uint8_t>* sps_nal = config.first_nalu(kSps);
  if (!sps_nal) throw std::invalid_argument("hvcC: no SPS");
  if (!config.first_nalu(kVps)) throw std::invalid_argument("hvcC: no VPS");
  const HevcSps sps = parse_hevc_sps(*sps_nal);
  VideoTrackConfig track;
  track.codec = Codec::hevc;
  track.decoder_config.assign(hvcc.begin(), hvcc.end());
  track.width = sps.width;
  track.height = sps.height;
  track.codecs = hevc_codecs_string(config);
  track.frame_rate = config.avg_frame_rate / 256.0;
  return track;
}

bool hevc_is_irap(std::span<const std::uint8_t> data, int nal_length_size) {
  return any_nal_unit(data, nal_length_size, [](std::span<const std::uint8_t> nal) {
    const int type = (nal[0] >> 1) & 0x3f;
    return type >= 16 && type <= 23;
  });
}

}  // namespace tidecast::media

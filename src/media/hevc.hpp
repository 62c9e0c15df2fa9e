#pragma once
// H.265 / HEVC: the HEVCDecoderConfigurationRecord (hvcC, ISO/IEC 14496-15
// 8.3.3), picture size from the SPS inside it (H.265 7.3.2.2), and the RFC 6381
// codecs string of 14496-15 Annex E.
//
// Errors: malformed input throws std::invalid_argument ("hvcC: ...",
// "hevc SPS: ..."), see media/bit_reader.hpp.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "media/packet.hpp"

namespace tidecast::media {

struct HevcNalArray {
  bool array_completeness = false;
  int nal_unit_type = 0;                         // 32 VPS, 33 SPS, 34 PPS, 39/40 SEI
  std::vector<std::vector<std::uint8_t>> nalus;  // NAL units, 2-byte header included
};

struct HevcConfig {
  int general_profile_space = 0;
  bool general_tier_flag = false;
  int general_profile_idc = 0;
  std::uint32_t general_profile_compatibility_flags = 0;  // flag[0] is the most significant bit
  std::uint64_t general_constraint_indicator_flags = 0;   // 48 bits, first byte most significant
  int general_level_idc = 0;
  int chroma_format_idc = 1;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  int avg_frame_rate = 0;   // frames per 256 s, 0 = unspecified
  int nal_length_size = 4;  // 1, 2 or 4
  std::vector<HevcNalArray> arrays;

  // The first NAL unit of the given type, or nullptr.
  const std::vector<std::uint8_t>* first_nalu(int nal_unit_type) const;
};

struct HevcSps {
  int chroma_format_idc = 1;
  int coded_width = 0;  // pic_width_in_luma_samples
  int coded_height = 0;
  int width = 0;  // after the conformance window
  int height = 0;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
};

// Parses an hvcC payload (box body without the box header).
HevcConfig parse_hvcc(std::span<const std::uint8_t> hvcc);

// Parses the start of an SPS NAL unit (2-byte header, emulation prevention
// bytes present) up to the bit depths.
HevcSps parse_hevc_sps(std::span<const std::uint8_t> nal);

// "hvc1.<space><profile>.<compat reversed, hex>.<L|H><level>[.<constraint byte>]*"
// with trailing zero constraint bytes omitted, e.g. "hvc1.1.6.L120.90".
std::string hevc_codecs_string(const HevcConfig& config);

// Track config for an hvcC: size from its SPS (required: hvc1 sample entries
// carry the parameter sets out of band), frame rate from avgFrameRate (0 when
// the record leaves it unspecified, as x265 does; the SPS VUI is not parsed).
VideoTrackConfig hevc_video_config(std::span<const std::uint8_t> hvcc);

// True if a length-prefixed access unit contains an IRAP picture (NAL unit
// types 16..23: BLA, IDR, CRA). Never throws.
bool hevc_is_irap(std::span<const std::uint8_t> length_prefixed_nalus, int nal_length_size);

}  // namespace tidecast::media

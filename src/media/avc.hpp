#pragma once
// H.264 / AVC: the AVCDecoderConfigurationRecord (avcC, ISO/IEC 14496-15 5.3.3),
// the sequence parameter set fields a packager needs (H.264 7.3.2.1.1, E.1.1),
// and the RFC 6381 codecs string.
//
// Errors: malformed input throws std::invalid_argument ("avcC: truncated SPS",
// "avc SPS: ..."), see media/bit_reader.hpp.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "media/packet.hpp"

namespace tidecast::media {

struct AvcSps {
  int profile_idc = 0;
  int constraint_flags = 0;  // constraint_set0..5 flags + reserved bits, as one byte
  int level_idc = 0;
  int chroma_format_idc = 1;  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  bool frame_mbs_only = true;
  int coded_width = 0;  // whole macroblocks, before cropping
  int coded_height = 0;
  int width = 0;  // display size after frame cropping
  int height = 0;
  int sar_width = 1;  // sample aspect ratio from the VUI (1:1 when absent/unspecified)
  int sar_height = 1;
  double frame_rate = 0;  // time_scale / (2 * num_units_in_tick) when the VUI has timing info, else 0
};

struct AvcConfig {
  int profile = 0;                             // AVCProfileIndication
  int compatibility = 0;                       // profile_compatibility
  int level = 0;                               // AVCLevelIndication
  int nal_length_size = 4;                     // 1, 2 or 4
  std::vector<std::vector<std::uint8_t>> sps;  // NAL units, header byte included
  std::vector<std::vector<std::uint8_t>> pps;
};

// Parses an avcC payload (the box body, without the 8-byte box header).
// Requires configurationVersion 1 and at least one SPS; the high-profile
// extension bytes after the PPS list are ignored.
AvcConfig parse_avcc(std::span<const std::uint8_t> avcc);

// Parses an SPS NAL unit (starting with the NAL header byte, emulation
// prevention bytes still present).
AvcSps parse_avc_sps(std::span<const std::uint8_t> nal);

// "avc1.PPCCLL" from the avcC header bytes, lowercase hex.
std::string avc_codecs_string(const AvcConfig& config);

// The track config for an avcC: codec, decoder_config (a copy of `avcc`),
// size, codecs string and frame rate from the first SPS.
VideoTrackConfig avc_video_config(std::span<const std::uint8_t> avcc);

// True if any NAL unit in a length-prefixed access unit is an IDR slice
// (nal_unit_type 5). Never throws: scanning stops at the first length that
// runs past the end. `nal_length_size` must be 1..4 (else false).
bool avc_is_idr(std::span<const std::uint8_t> length_prefixed_nalus, int nal_length_size);

}  // namespace tidecast::media

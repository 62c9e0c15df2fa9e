#pragma once
// AV1: the AV1CodecConfigurationRecord (av1C, AV1-ISOBMFF 2.3), the sequence
// header OBU it carries (AV1 5.5.1) for the maximum frame size, and the codecs
// string "av01.P.LLT.DD" (AV1-ISOBMFF Annex A, short form).
//
// Errors: malformed input throws std::invalid_argument ("av1C: ...",
// "av1 sequence header: ..."), see media/bit_reader.hpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/packet.hpp"

namespace tidecast::media {

struct Av1Config {
  int seq_profile = 0;
  int seq_level_idx_0 = 0;
  bool seq_tier_0 = false;
  bool high_bitdepth = false;
  bool twelve_bit = false;
  bool monochrome = false;
  int chroma_subsampling_x = 1;
  int chroma_subsampling_y = 1;
  int chroma_sample_position = 0;
  std::optional<int> initial_presentation_delay_minus_one;
  std::vector<std::uint8_t> config_obus;  // usually one sequence header OBU

  int bit_depth() const { return seq_profile == 2 && high_bitdepth ? (twelve_bit ? 12 : 10) : high_bitdepth ? 10 : 8; }
};

struct Av1SequenceHeader {
  int seq_profile = 0;
  int seq_level_idx_0 = 0;
  bool seq_tier_0 = false;
  int max_frame_width = 0;
  int max_frame_height = 0;
  double frame_rate = 0;  // from timing_info with equal_picture_interval, else 0
};

// Parses an av1C payload (box body without the box header).
Av1Config parse_av1c(std::span<const std::uint8_t> av1c);

// Parses the payload of an OBU_SEQUENCE_HEADER (OBU header and size removed)
// up to max_frame_height_minus_1.
Av1SequenceHeader parse_av1_sequence_header(std::span<const std::uint8_t> payload);

// Finds the first sequence header OBU in a sequence of OBUs (low overhead
// bitstream format: every OBU but the last must have obu_has_size_field) and
// parses it; nullopt when there is none.
std::optional<Av1SequenceHeader> find_av1_sequence_header(std::span<const std::uint8_t> obus);

// "av01.<profile>.<level, 2 digits><M|H>.<bit depth, 2 digits>", e.g. "av01.0.08M.10".
std::string av1_codecs_string(const Av1Config& config);

// Track config for an av1C: size and frame rate from the sequence header in
// configOBUs (maximum frame size; 0 when the record carries no sequence header).
VideoTrackConfig av1_video_config(std::span<const std::uint8_t> av1c);

}  // namespace tidecast::media

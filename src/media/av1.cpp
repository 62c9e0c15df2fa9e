#include "media/av1.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "media/bit_reader.hpp"

namespace tidecast::media {
namespace {

constexpr int kObuSequenceHeader = 1;

}  // namespace

Av1Config parse_av1c(std::span<const std::uint8_t> av1c) {
  BitReader reader(av1c, "av1C");
  Av1Config config;
  if (!reader.flag()) reader.fail("marker bit not set");
  if (reader.bits(7) != 1) reader.fail("unsupported version");
  config.seq_profile = static_cast<int>(reader.bits(3));
  config.seq_level_idx_0 = static_cast<int>(reader.bits(5));
  config.seq_tier_0 = reader.flag();
  config.high_bitdepth = reader.flag();
  config.twelve_bit = reader.flag();
  config.monochrome = reader.flag();
  config.chroma_subsampling_x = static_cast<int>(reader.bits(1));
  config.chroma_subsampling_y = static_cast<int>(reader.bits(1));
  config.chroma_sample_position = static_cast<int>(reader.bits(2));
  reader.skip(3);  // reserved
  const bool delay_present = reader.flag();
  const int delay = static_cast<int>(reader.bits(4));
  if (delay_present) config.initial_presentation_delay_minus_one = delay;
  if (config.seq_profile > 2) reader.fail("seq_profile out of range");
  const auto obus = reader.remaining_bytes();
  config.config_obus.assign(obus.begin(), obus.end());
  return config;
}

Av1SequenceHeader parse_av1_sequence_header(std::span<const std::uint8_t> payload) {
  BitReader reader(payload, "av1 sequence header");
  Av1SequenceHeader header;
  header.seq_profile = static_cast<int>(reader.bits(3));
  reader.skip(1);  // still_picture
  const bool reduced_still_picture_header = reader.flag();
  if (reduced_still_picture_header) {
    header.seq_level_idx_0 = static_cast<int>(reader.bits(5));
  } else {
    bool decoder_model_info_present = false;
    int buffer_delay_length = 0;
    if (reader.flag()) {  // timing_info_present_flag
      const std::uint32_t num_units_in_display_tick = reader.bits(32);
      const std::uint32_t time_scale = reader.bits(32);
      if (reader.flag()) {  // equal_picture_interval
        const std::uint64_t ticks_per_picture = std::uint64_t{reader.uvlc()} + 1;
        if (num_units_in_display_tick != 0 && time_scale != 0) {
          header.frame_rate =
              static_cast<double>(time_scale) / (static_cast<double>(num_units_in_display_tick) * ticks_per_picture);
        }
      }
      decoder_model_info_present = reader.flag();
      if (decoder_model_info_present) {
        buffer_delay_length = static_cast<int>(reader.bits(5)) + 1;
        reader.skip(32);  // num_units_in_decoding_tick
        reader.skip(10);  // buffer_removal_time_length_minus_1, frame_presentation_time_length_minus_1
      }
    }
    const bool initial_display_delay_present = reader.flag();
    const int operating_points = static_cast<int>(reader.bits(5)) + 1;
    for (int i = 0; i < operating_points; ++i) {
      reader.skip(12);  // operating_point_idc
      const int level = static_cast<int>(reader.bits(5));
      const bool tier = level > 7 && reader.flag();
      if (i == 0) {
        header.seq_level_idx_0 = level;
        header.seq_tier_0 = tier;
      }
      if (decoder_model_info_present && reader.flag()) {
        // decoder_buffer_delay, encoder_buffer_delay, low_delay_mode_flag
        reader.skip(2 * static_cast<std::size_t>(buffer_delay_length) + 1);
      }
      if (initial_display_delay_present && reader.flag()) reader.skip(4);
    }
  }
  const int width_bits = static_cast<int>(reader.bits(4)) + 1;
  const int height_bits = static_cast<int>(reader.bits(4)) + 1;
  header.max_frame_width = static_cast<int>(reader.bits(width_bits)) + 1;
  header.max_frame_height = static_cast<int>(reader.bits(height_bits)) + 1;
  return header;
}

std::optional<Av1SequenceHeader> find_av1_sequence_header(std::span<const std::uint8_t> obus) {
  BitReader reader(obus, "av1 OBU");
  while (reader.bits_left() > 0) {
    if (reader.flag()) reader.fail("forbidden bit set");
    const int type = static_cast<int>(reader.bits(4));
    const bool extension = reader.flag();
    const bool has_size = reader.flag();
    reader.skip(1);  // obu_reserved_1bit
    if (extension) reader.skip(8);
    const std::uint64_t size = has_size ? reader.leb128() : reader.bits_left() / 8;
    if (size * 8 > reader.bits_left()) reader.fail("truncated OBU");
    const auto payload = reader.remaining_bytes().first(static_cast<std::size_t>(size));
    if (type == kObuSequenceHeader) return parse_av1_sequence_header(payload);
    reader.skip(static_cast<std::size_t>(size) * 8);
  }
  return std::nullopt;
}

std::string av1_codecs_string(const Av1Config& config) {
  return fmt::format("av01.{}.{:02}{}.{:02}", config.seq_profile, config.seq_level_idx_0, config.seq_tier_0 ? 'H' : 'M',
                     config.bit_depth());
}

VideoTrackConfig av1_video_config(std::span<const std::uint8_t> av1c) {
  const Av1Config config = parse_av1c(av1c);
  VideoTrackConfig track;
  track.codec = Codec::av1;
  track.decoder_config.assign(av1c.begin(), av1c.end());
  track.codecs = av1_codecs_string(config);
  if (const auto header = find_av1_sequence_header(config.config_obus)) {
    track.width = header->max_frame_width;
    track.height = header->max_frame_height;
    track.frame_rate = header->frame_rate;
  }
  return track;
}

}  // namespace tidecast::media

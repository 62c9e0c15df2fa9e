#include "media/aac.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "media/test_bit_writer.hpp"

namespace media = tidecast::media;

namespace {

// AudioSpecificConfigs from the esds DecoderSpecificInfo written by ffmpeg 5.1's
// aac encoder (AAC-LC plus the backward-compatible SBR sync extension 0x2b7).
const std::vector<std::uint8_t> kAsc44100Stereo = {0x12, 0x10, 0x56, 0xe5, 0x00};
const std::vector<std::uint8_t> kAsc48000Mono = {0x11, 0x88, 0x56, 0xe5, 0x00};

}  // namespace

TEST_CASE("AAC-LC 44.1 kHz stereo from ffmpeg") {
  const media::AacConfig config = media::parse_audio_specific_config(kAsc44100Stereo);
  CHECK(config.object_type == 2);
  CHECK(config.core_object_type == 2);
  CHECK(config.sample_rate == 44100);
  CHECK(config.channel_configuration == 2);
  CHECK(config.channels == 2);
  CHECK(config.frame_length == 1024);
  CHECK(config.output_sample_rate() == 44100);
  CHECK(media::aac_codecs_string(config) == "mp4a.40.2");

  const media::AudioTrackConfig track = media::aac_audio_config(kAsc44100Stereo);
  CHECK(track.codec == media::Codec::aac);
  CHECK(track.sample_rate == 44100);
  CHECK(track.channels == 2);
  CHECK(track.codecs == "mp4a.40.2");
  CHECK(track.decoder_config == kAsc44100Stereo);
}

TEST_CASE("AAC-LC 48 kHz mono from ffmpeg, and the bare 2-byte form") {
  const media::AudioTrackConfig track = media::aac_audio_config(kAsc48000Mono);
  CHECK(track.sample_rate == 48000);
  CHECK(track.channels == 1);
  CHECK(track.codecs == "mp4a.40.2");
  const media::AudioTrackConfig bare = media::aac_audio_config(std::vector<std::uint8_t>{0x11, 0x90});
  CHECK(bare.sample_rate == 48000);
  CHECK(bare.channels == 2);
}

TEST_CASE("explicit HE-AAC: SBR object type, extension sampling frequency") {
  // AOT 5, 22050 Hz, stereo, extension 44100 Hz, core AOT 2.
  const media::AacConfig config = media::parse_audio_specific_config(std::vector<std::uint8_t>{0x2b, 0x92, 0x08, 0x00});
  CHECK(config.object_type == 5);
  CHECK(config.core_object_type == 2);
  CHECK(config.sample_rate == 22050);
  CHECK(config.extension_sample_rate == 44100);
  CHECK(config.output_sample_rate() == 44100);
  CHECK(config.channels == 2);
  CHECK(media::aac_codecs_string(config) == "mp4a.40.5");
}

TEST_CASE("escape object type, explicit 24-bit frequency, 960-sample frames, 7.1") {
  tidecast::test::BitWriter w;
  w.bits(31, 5);  // escape
  w.bits(10, 6);  // 32 + 10 = 42 (USAC)
  w.bits(15, 4);  // explicit frequency
  w.bits(12345, 24);
  w.bits(7, 4);  // 7.1
  w.align();
  const media::AacConfig escaped = media::parse_audio_specific_config(w.data());
  CHECK(escaped.object_type == 42);
  CHECK(escaped.sample_rate == 12345);
  CHECK(escaped.channels == 8);
  CHECK(media::aac_codecs_string(escaped) == "mp4a.40.42");

  tidecast::test::BitWriter lc960;
  lc960.bits(2, 5);
  lc960.bits(3, 4);  // 48000
  lc960.bits(1, 4);
  lc960.bit(1);  // frameLengthFlag
  lc960.bits(0, 2);
  lc960.align();
  CHECK(media::parse_audio_specific_config(lc960.data()).frame_length == 960);
}

TEST_CASE("AudioSpecificConfig errors") {
  CHECK_THROWS_WITH_AS(media::parse_audio_specific_config(std::vector<std::uint8_t>{0x12}),
                       "AudioSpecificConfig: truncated", std::invalid_argument);
  CHECK_THROWS_AS(media::parse_audio_specific_config({}), std::invalid_argument);
  // Sampling frequency index 13 is reserved.
  CHECK_THROWS_WITH_AS(media::parse_audio_specific_config(std::vector<std::uint8_t>{0x16, 0x90}),
                       "AudioSpecificConfig: reserved sampling frequency index 13", std::invalid_argument);
  CHECK_THROWS_WITH_AS(media::parse_audio_specific_config(std::vector<std::uint8_t>{0x00, 0x10}),
                       "AudioSpecificConfig: null object type", std::invalid_argument);
  // Channel configuration 0 (program_config_element) parses with channels unknown.
  CHECK(media::parse_audio_specific_config(std::vector<std::uint8_t>{0x12, 0x00}).channels == 0);
}

TEST_CASE("AudioSpecificConfig parsing never crashes on truncated or corrupted input") {
  const int errors = tidecast::test::check_never_crashes(
      kAsc44100Stereo, [](const std::vector<std::uint8_t>& input) { (void)media::aac_audio_config(input); });
  CHECK(errors > 0);
}

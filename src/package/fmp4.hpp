#pragma once
// CMAF (ISO/IEC 23000-19) fragmented MP4 writing: one track per init segment,
// one fragment (moof + mdat) per media segment.
//
// Init segment:  ftyp (iso6; cmfc, mp41, dash) + moov (mvhd, trak, mvex/trex)
//                with avc1/avcC, hvc1/hvcC, av01/av1C or mp4a/esds.
// Media segment: styp (msdh; cmfs) + moof (mfhd, traf (tfhd with
//                default-base-is-moof, tfdt v1, trun v1 with data offset and
//                per-sample duration, size, flags and, for video, signed
//                composition offsets)) + mdat.
//
// Errors: inconsistent arguments (no samples, unknown codec, a box past 4 GiB)
// throw std::invalid_argument / std::length_error. Inputs here come from our
// own parsers and segmenter, not straight from the network.
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "media/packet.hpp"

namespace tidecast::package {

struct TrackSpec {
  std::uint32_t track_id = 1;
  std::uint32_t timescale = 90000;  // video: 90000; audio: the sample rate
  std::variant<media::VideoTrackConfig, media::AudioTrackConfig> config;

  media::TrackKind kind() const { return config.index() == 0 ? media::TrackKind::video : media::TrackKind::audio; }
  const media::VideoTrackConfig* video() const { return std::get_if<media::VideoTrackConfig>(&config); }
  const media::AudioTrackConfig* audio() const { return std::get_if<media::AudioTrackConfig>(&config); }
};

// Video: timescale 90000. Audio: timescale = sample_rate (throws if it is not positive).
TrackSpec make_track_spec(const media::VideoTrackConfig& video, std::uint32_t track_id = 1);
TrackSpec make_track_spec(const media::AudioTrackConfig& audio, std::uint32_t track_id = 2);

struct Sample {
  std::uint32_t duration = 0;           // track timescale
  std::int32_t composition_offset = 0;  // pts - dts, track timescale (may be negative)
  bool is_sync = true;
  std::span<const std::uint8_t> data;
};

std::vector<std::uint8_t> write_init_segment(const TrackSpec& track);

// `samples` must not be empty. `sequence_number` goes into mfhd. Without
// `with_styp` the result is a bare fragment (moof + mdat): a CMAF chunk, the
// part of a low-latency segment after its first.
std::vector<std::uint8_t> write_media_segment(const TrackSpec& track, std::uint32_t sequence_number,
                                              std::uint64_t base_media_decode_time, std::span<const Sample> samples,
                                              bool with_styp = true);

// trun sample_flags values used for sync / non-sync samples.
constexpr std::uint32_t kSyncSampleFlags = 0x02000000;     // sample_depends_on = 2 (I picture)
constexpr std::uint32_t kNonSyncSampleFlags = 0x01010000;  // sample_depends_on = 1, sample_is_non_sync_sample

}  // namespace tidecast::package

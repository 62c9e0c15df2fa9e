#pragma once
// H.264 byte-stream plumbing between libav* and media::Packet:
// - Annex B (start codes, what x264 and MPEG-TS produce) to the 4-byte
//   length-prefixed NAL units media::Packet carries;
// - length-prefixed units with 1/2-byte lengths (some MP4 files) to 4 bytes;
// - an AVCDecoderConfigurationRecord (avcC) built from SPS/PPS NAL units.
//
// Errors: a malformed input throws std::invalid_argument with context
// ("annexb: ..."); none of these run on untrusted network input directly.
#include <cstdint>
#include <span>
#include <vector>

namespace tidecast::transcode {

using Bytes = std::vector<std::uint8_t>;

// True when the buffer starts with a 3- or 4-byte start code.
bool is_annexb(std::span<const std::uint8_t> data);

// The NAL units of an Annex B buffer, without start codes or the zero bytes
// that trail a unit (trailing_zero_8bits). Empty units are skipped.
std::vector<std::span<const std::uint8_t>> split_annexb(std::span<const std::uint8_t> data);

// Annex B -> 4-byte big-endian length prefixes. Access unit delimiters
// (nal_unit_type 9) are dropped: MP4 samples do not need them.
Bytes annexb_to_length_prefixed(std::span<const std::uint8_t> data);

// Length-prefixed units with `length_size` (1, 2 or 4) byte lengths -> 4-byte
// lengths. Throws on a length that runs past the end.
Bytes to_four_byte_lengths(std::span<const std::uint8_t> data, int length_size);

// avcC (ISO/IEC 14496-15 5.3.3.1) with 4-byte NAL lengths, from SPS and PPS
// NAL units (header byte included). Adds the chroma/bit-depth extension for
// the High profiles. Throws if there is no SPS or PPS.
Bytes make_avcc(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps);

// avcC from Annex B extradata (x264 with a global header, MPEG-TS): its SPS
// and PPS units. If `extradata` already is an avcC it is returned unchanged.
Bytes avcc_from_extradata(std::span<const std::uint8_t> extradata);

}  // namespace tidecast::transcode

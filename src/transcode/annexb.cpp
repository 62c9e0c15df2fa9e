#include "transcode/annexb.hpp"

#include <stdexcept>
#include <string>

#include "media/avc.hpp"

namespace tidecast::transcode {

namespace {

// Index of the first byte after the next start code at or after `from`, or
// data.size() when there is none. `code_start` receives where the code began.
std::size_t next_start_code(std::span<const std::uint8_t> data, std::size_t from, std::size_t& code_start) {
  for (std::size_t i = from; i + 3 <= data.size(); ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      code_start = i;
      return i + 3;
    }
    // Skip ahead quickly over bytes that cannot start a code.
    if (data[i + 2] > 1) i += 2;
  }
  code_start = data.size();
  return data.size();
}

void put_u32(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

}  // namespace

bool is_annexb(std::span<const std::uint8_t> data) {
  if (data.size() >= 3 && data[0] == 0 && data[1] == 0 && data[2] == 1) return true;
  return data.size() >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 1;
}

std::vector<std::span<const std::uint8_t>> split_annexb(std::span<const std::uint8_t> data) {
  std::vector<std::span<const std::uint8_t>> units;
  std::size_t code_start = 0;
  std::size_t begin = next_start_code(data, 0, code_start);
  while (begin < data.size()) {
    std::size_t next_code = 0;
    const std::size_t next = next_start_code(data, begin, next_code);
    std::size_t end = next_code;
    while (end > begin && data[end - 1] == 0) --end;  // trailing_zero_8bits / 4-byte code's leading zero
    if (end > begin) units.push_back(data.subspan(begin, end - begin));
    begin = next;
  }
  return units;
}

Bytes annexb_to_length_prefixed(std::span<const std::uint8_t> data) {
  Bytes out;
  out.reserve(data.size() + 16);
  for (const auto unit : split_annexb(data)) {
    if ((unit[0] & 0x1f) == 9) continue;  // access unit delimiter
    put_u32(out, unit.size());
    out.insert(out.end(), unit.begin(), unit.end());
  }
  return out;
}

Bytes to_four_byte_lengths(std::span<const std::uint8_t> data, int length_size) {
  if (length_size != 1 && length_size != 2 && length_size != 4) {
    throw std::invalid_argument("annexb: NAL length size must be 1, 2 or 4, got " + std::to_string(length_size));
  }
  if (length_size == 4) return Bytes(data.begin(), data.end());
  Bytes out;
  out.reserve(data.size() + data.size() / 8);
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (pos + static_cast<std::size_t>(length_size) > data.size()) {
      throw std::invalid_argument("annexb: truncated NAL length");
    }
    std::size_t length = 0;
    for (int i = 0; i < length_size; ++i) length = (length << 8) | data[pos + i];
    pos += static_cast<std::size_t>(length_size);
    if (length > data.size() - pos) throw std::invalid_argument("annexb: NAL unit runs past the end of the sample");
    put_u32(out, length);
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + length));
    pos += length;
  }
  return out;
}

Bytes make_avcc(const std::vector<Bytes>& sps, const std::vector<Bytes>& pps) {
  if (sps.empty() || sps.front().size() < 4) throw std::invalid_argument("annexb: avcC needs an SPS");
  if (pps.empty()) throw std::invalid_argument("annexb: avcC needs a PPS");
  if (sps.size() > 31 || pps.size() > 255) throw std::invalid_argument("annexb: too many parameter sets");
  const Bytes& first = sps.front();
  Bytes out = {1, first[1], first[2], first[3], 0xff, static_cast<std::uint8_t>(0xe0 | sps.size())};
  auto put_units = [&out](const std::vector<Bytes>& units) {
    for (const Bytes& unit : units) {
      if (unit.size() > 0xffff) throw std::invalid_argument("annexb: parameter set larger than 64 KiB");
      out.push_back(static_cast<std::uint8_t>(unit.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(unit.size()));
      out.insert(out.end(), unit.begin(), unit.end());
    }
  };
  put_units(sps);
  out.push_back(static_cast<std::uint8_t>(pps.size()));
  put_units(pps);
  const int profile = first[1];
  if (profile == 100 || profile == 110 || profile == 122 || profile == 144) {
    const media::AvcSps parsed = media::parse_avc_sps(first);
    out.push_back(static_cast<std::uint8_t>(0xfc | (parsed.chroma_format_idc & 3)));
    out.push_back(static_cast<std::uint8_t>(0xf8 | ((parsed.bit_depth_luma - 8) & 7)));
    out.push_back(static_cast<std::uint8_t>(0xf8 | ((parsed.bit_depth_chroma - 8) & 7)));
    out.push_back(0);  // numOfSequenceParameterSetExt
  }
  return out;
}

Bytes avcc_from_extradata(std::span<const std::uint8_t> extradata) {
  if (!extradata.empty() && extradata[0] == 1) return Bytes(extradata.begin(), extradata.end());
  std::vector<Bytes> sps;
  std::vector<Bytes> pps;
  for (const auto unit : split_annexb(extradata)) {
    const int type = unit[0] & 0x1f;
    if (type == 7) sps.emplace_back(unit.begin(), unit.end());
    if (type == 8) pps.emplace_back(unit.begin(), unit.end());
  }
  return make_avcc(sps, pps);
}

}  // namespace tidecast::transcode

#include "rtmp/chunk_writer.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "rtmp/byte_io.hpp"

namespace tidecast::rtmp {
namespace {

constexpr std::uint32_t extended_marker = 0xFFFFFF;

void put_basic_header(std::vector<std::uint8_t>& out, unsigned fmt, std::uint32_t csid) {
  const auto type_bits = static_cast<std::uint8_t>(fmt << 6);
  if (csid < 64) {
    out.push_back(static_cast<std::uint8_t>(type_bits | csid));
  } else if (csid < 64 + 256) {
    out.push_back(type_bits);
    out.push_back(static_cast<std::uint8_t>(csid - 64));
  } else {
    out.push_back(type_bits | 1);
    out.push_back(static_cast<std::uint8_t>((csid - 64) & 0xFF));
    out.push_back(static_cast<std::uint8_t>((csid - 64) >> 8));
  }
}

}  // namespace

void ChunkWriter::set_chunk_size(std::uint32_t size) {
  if (size == 0 || size > 0x7FFFFFFF) throw std::invalid_argument("rtmp chunk writer: invalid chunk size");
  chunk_size_ = size;
}

void ChunkWriter::write(const Message& message, std::vector<std::uint8_t>& out) {
  const std::uint32_t csid = message.chunk_stream_id;
  if (csid < chunk_stream::min_id || csid > chunk_stream::max_id) {
    throw std::invalid_argument("rtmp chunk writer: chunk stream id " + std::to_string(csid) + " out of range");
  }
  if (message.payload.size() > 0xFFFFFF) {
    throw std::invalid_argument("rtmp chunk writer: payload of " + std::to_string(message.payload.size()) +
                                " bytes does not fit a message");
  }
  const auto length = static_cast<std::uint32_t>(message.payload.size());

  auto it = std::find_if(streams_.begin(), streams_.end(), [&](const ChunkStream& s) { return s.id == csid; });
  unsigned fmt = 0;
  std::uint32_t field = message.timestamp;
  if (it != streams_.end() && it->stream_id == message.stream_id && message.timestamp >= it->timestamp &&
      message.timestamp - it->timestamp < extended_marker) {
    field = message.timestamp - it->timestamp;
    fmt = it->length == length && it->type_id == message.type_id ? 2 : 1;
  }
  if (it == streams_.end()) it = streams_.insert(streams_.end(), ChunkStream{.id = csid});
  *it = ChunkStream{.id = csid,
                    .timestamp = message.timestamp,
                    .length = length,
                    .stream_id = message.stream_id,
                    .type_id = message.type_id};

  const bool extended = field >= extended_marker;
  put_basic_header(out, fmt, csid);
  bytes::put_be24(out, extended ? extended_marker : field);
  if (fmt <= 1) {
    bytes::put_be24(out, length);
    out.push_back(message.type_id);
  }
  if (fmt == 0) bytes::put_le32(out, message.stream_id);
  if (extended) bytes::put_be32(out, field);

  std::size_t offset = 0;
  do {
    if (offset > 0) {
      put_basic_header(out, 3, csid);
      if (extended) bytes::put_be32(out, field);
    }
    const std::size_t n = std::min<std::size_t>(chunk_size_, length - offset);
    out.insert(out.end(), message.payload.begin() + static_cast<std::ptrdiff_t>(offset),
               message.payload.begin() + static_cast<std::ptrdiff_t>(offset + n));
    offset += n;
  } while (offset < length);

  if (message.type_id == message_type::set_chunk_size && length >= 4) {
    set_chunk_size(bytes::be32(message.payload.data()));
  }
}

}  // namespace tidecast::rtmp

#include "rtmp/chunk_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "rtmp/byte_io.hpp"
#include "rtmp/protocol_error.hpp"

namespace tidecast::rtmp {
namespace {

constexpr std::uint32_t extended_marker = 0xFFFFFF;
constexpr std::size_t message_header_size[4] = {11, 7, 3, 0};
// Payload memory is reserved up to this much ahead of the bytes that arrived.
constexpr std::size_t max_reserve = 64 * 1024;

[[noreturn]] void fail(const std::string& what) {
  throw ProtocolError("rtmp chunk: " + what);
}

}  // namespace

ChunkReader::ChunkReader(std::size_t max_message_bytes, std::uint32_t max_chunk_bytes)
    : max_message_bytes_(max_message_bytes),
      max_incomplete_bytes_(max_message_bytes > SIZE_MAX / 2 ? SIZE_MAX : 2 * max_message_bytes),
      max_chunk_bytes_(std::min(max_chunk_bytes, max_chunk_size)) {
  streams_.reserve(max_chunk_streams);
}

void ChunkReader::feed(std::span<const std::uint8_t> data) {
  bytes_received_ += data.size();
  if (pos_ == view_.size()) {
    // Nothing pending (the usual case after next() returned nullopt): parse
    // the caller's bytes in place.
    input_.clear();
    view_ = data;
    view_is_input_ = false;
    pos_ = 0;
    return;
  }
  keep_rest();  // the pending bytes, then these after them
  input_.insert(input_.end(), data.begin(), data.end());
  view_ = input_;
}

void ChunkReader::keep_rest() {
  if (view_is_input_) {
    input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(pos_));
  } else {
    input_.assign(view_.begin() + static_cast<std::ptrdiff_t>(pos_), view_.end());
  }
  view_ = input_;
  view_is_input_ = true;
  pos_ = 0;
}

std::optional<Message> ChunkReader::next() {
  for (;;) {
    if (current_ == none) {
      if (!read_chunk_header()) break;
    }
    ChunkStream& stream = streams_[current_];
    const std::size_t n = std::min<std::size_t>(chunk_left_, view_.size() - pos_);
    if (n > 0) {
      if (n > max_incomplete_bytes_ - incomplete_bytes_) {
        fail("more than " + std::to_string(max_incomplete_bytes_) + " bytes buffered in incomplete messages");
      }
      const auto from = view_.begin() + static_cast<std::ptrdiff_t>(pos_);
      stream.payload.insert(stream.payload.end(), from, from + static_cast<std::ptrdiff_t>(n));
      pos_ += n;
      chunk_left_ -= static_cast<std::uint32_t>(n);
      incomplete_bytes_ += n;
    }
    if (chunk_left_ > 0) break;  // the rest of this chunk has not arrived yet
    current_ = none;
    if (stream.payload.size() < stream.length) continue;  // more chunks to come for this message
    Message message = finish_message(stream);
    if (!apply_control(message)) return message;
  }
  // Out of input: keep only the partial header (the caller's bytes may go now).
  keep_rest();
  return std::nullopt;
}

bool ChunkReader::read_chunk_header() {
  const std::size_t available = view_.size() - pos_;
  const std::uint8_t* p = view_.data() + pos_;
  if (available < 1) return false;
  const unsigned fmt = p[0] >> 6;
  std::uint32_t csid = p[0] & 0x3F;
  std::size_t size = 1;
  if (csid == 0) {
    if (available < 2) return false;
    csid = 64 + p[1];
    size = 2;
  } else if (csid == 1) {
    if (available < 3) return false;
    csid = 64 + p[1] + 256u * p[2];
    size = 3;
  }
  const std::uint8_t* h = p + size;
  size += message_header_size[fmt];
  if (available < size) return false;

  std::size_t index = find_stream(csid);
  const bool known = index != none;
  if (!known && fmt >= 2) {
    fail("type-" + std::to_string(fmt) + " chunk on chunk stream " + std::to_string(csid) +
         " which has no previous header");
  }
  const bool continuation = known && streams_[index].in_progress;
  if (continuation && fmt != 3) {
    const ChunkStream& s = streams_[index];
    fail("type-" + std::to_string(fmt) + " header on chunk stream " + std::to_string(csid) + " inside a message (" +
         std::to_string(s.payload.size()) + " of " + std::to_string(s.length) + " bytes received)");
  }

  // Extended timestamp field: present when the 24-bit field is 0xFFFFFF, and
  // repeated in type-3 chunks after such a header (section 5.3.1.3).
  const bool extended = fmt <= 2 ? bytes::be24(h) == extended_marker : streams_[index].extended;
  std::uint32_t extended_value = 0;
  if (extended) {
    if (available < size + 4) return false;
    extended_value = bytes::be32(p + size);
    // Some encoders do not repeat the field in the continuation chunks of a
    // message; then these four bytes are payload. Accept both forms.
    const bool repeated = !continuation || extended_value == streams_[index].extended_value;
    if (repeated) size += 4;
  }

  if (!known) index = add_stream(csid);  // only now: a header that is complete
  ChunkStream& stream = streams_[index];
  stream.last_used = ++use_counter_;
  pos_ += size;

  if (!continuation) {
    const std::uint32_t field = extended ? extended_value : (fmt <= 2 ? bytes::be24(h) : stream.delta);
    if (fmt <= 1) {
      const std::uint32_t length = bytes::be24(h + 3);
      if (length > max_message_bytes_) {
        fail("message length " + std::to_string(length) + " exceeds limit " + std::to_string(max_message_bytes_));
      }
      stream.length = length;
      stream.type_id = h[6];
    }
    if (fmt == 0) {
      stream.stream_id = bytes::le32(h + 7);
      stream.timestamp = field;
      // "If a Type 3 chunk follows a Type 0 chunk, then the timestamp delta for
      // this Type 3 chunk is the same as the timestamp of the Type 0 chunk."
      stream.delta = field;
    } else {
      stream.timestamp += field;  // wraps modulo 2^32 like RTMP timestamps do
      stream.delta = field;
    }
    if (fmt <= 2) stream.extended = extended;
    stream.extended_value = extended_value;  // what continuation chunks of this message repeat
    start_message(stream);
  }
  current_ = index;
  chunk_left_ = std::min<std::uint32_t>(chunk_size_, stream.length - static_cast<std::uint32_t>(stream.payload.size()));
  return true;
}

std::size_t ChunkReader::find_stream(std::uint32_t csid) const {
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (streams_[i].id == csid) return i;
  }
  return none;
}

std::size_t ChunkReader::add_stream(std::uint32_t csid) {
  if (streams_.size() < max_chunk_streams) {
    streams_.emplace_back();
    streams_.back().id = csid;
    return streams_.size() - 1;
  }
  // Reuse the least recently used stream that holds no partial message.
  std::size_t victim = none;
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (!streams_[i].in_progress && (victim == none || streams_[i].last_used < streams_[victim].last_used)) victim = i;
  }
  if (victim == none) {
    fail("more than " + std::to_string(max_chunk_streams) + " chunk streams with incomplete messages");
  }
  streams_[victim] = ChunkStream{};
  streams_[victim].id = csid;
  return victim;
}

void ChunkReader::start_message(ChunkStream& stream) {
  stream.in_progress = true;
  stream.payload.clear();
  stream.payload.reserve(std::min<std::size_t>(stream.length, max_reserve));
}

Message ChunkReader::finish_message(ChunkStream& stream) {
  incomplete_bytes_ -= stream.payload.size();
  stream.in_progress = false;
  Message message{.type_id = stream.type_id,
                  .timestamp = stream.timestamp,
                  .stream_id = stream.stream_id,
                  .chunk_stream_id = stream.id,
                  .payload = std::move(stream.payload)};
  stream.payload = {};
  return message;
}

bool ChunkReader::apply_control(const Message& message) {
  if (message.type_id != message_type::set_chunk_size && message.type_id != message_type::abort) return false;
  if (message.payload.size() < 4) {
    fail(std::string(message_type_name(message.type_id)) + " message of " + std::to_string(message.payload.size()) +
         " bytes (need 4)");
  }
  const std::uint32_t value = bytes::be32(message.payload.data());
  if (message.type_id == message_type::set_chunk_size) {
    if (value == 0 || value > 0x7FFFFFFF) fail("invalid chunk size " + std::to_string(value));
    if (value > max_chunk_bytes_) {
      fail("chunk size " + std::to_string(value) + " exceeds limit " + std::to_string(max_chunk_bytes_));
    }
    chunk_size_ = value;
  } else {
    const std::size_t index = find_stream(value);
    if (index != none && streams_[index].in_progress) {
      ChunkStream& stream = streams_[index];
      incomplete_bytes_ -= stream.payload.size();
      stream.payload = {};
      stream.in_progress = false;
    }
  }
  return true;
}

}  // namespace tidecast::rtmp

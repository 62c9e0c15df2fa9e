#pragma once
// Splits messages into RTMP chunks (RTMP 1.0 section 5.3). Per chunk stream it
// sends a type-0 header for the first message (and whenever the message stream
// id changes or the timestamp goes backwards), type 1 when only the length or
// type changed, type 2 when only the timestamp moved, and type-3 headers for
// continuation chunks. Timestamps and deltas >= 0xFFFFFF use the extended
// field, repeated in the type-3 chunks of that message.
#include <cstdint>
#include <vector>

#include "rtmp/message.hpp"

namespace tidecast::rtmp {

class ChunkWriter {
 public:
  static constexpr std::uint32_t default_chunk_size = 128;

  // The chunk size for messages written from now on (1..0x7FFFFFFF, else
  // std::invalid_argument). Writing a Set Chunk Size message also switches the
  // writer to that size after the message, so the two cannot drift apart.
  void set_chunk_size(std::uint32_t size);
  std::uint32_t chunk_size() const { return chunk_size_; }

  // Appends the chunks of `message` to `out`. Throws std::invalid_argument for
  // a chunk stream id outside 2..65599 or a payload over 0xFFFFFF bytes.
  void write(const Message& message, std::vector<std::uint8_t>& out);

 private:
  struct ChunkStream {
    std::uint32_t id = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint8_t type_id = 0;
  };

  std::uint32_t chunk_size_ = default_chunk_size;
  std::vector<ChunkStream> streams_;
};

}  // namespace tidecast::rtmp

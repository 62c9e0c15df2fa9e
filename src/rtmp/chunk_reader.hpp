#pragma once
// Reassembles RTMP messages from the chunk stream (RTMP 1.0 section 5.3):
// all four chunk header types, 1-3 byte basic headers (chunk stream ids
// 2..65599), extended timestamps, timestamp deltas, interleaved chunk streams.
// Set Chunk Size and Abort are applied here and never returned; every other
// message is returned in the order its last chunk arrived.
//
//   ChunkReader reader(limits);
//   reader.feed(bytes_from_socket);
//   while (auto message = reader.next()) handle(*message);
//
// Fed bytes are parsed where they lie: the reader keeps a view of them, not
// a copy, so they must stay valid until next() returns nullopt or feed() is
// called again (then the unparsed rest is copied). Only what no message
// could use yet (a partial chunk header, < 20 bytes) is copied to be
// completed by the next feed().
//
// Hostile input cannot make it allocate without bound: message length is
// capped by max_message_bytes, payload memory grows only as bytes arrive, at
// most 2 * max_message_bytes sit in incomplete messages, and at most
// max_chunk_streams chunk streams are tracked. A violation throws
// ProtocolError, after which the reader must be discarded.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rtmp/message.hpp"

namespace tidecast::rtmp {

class ChunkReader {
 public:
  static constexpr std::uint32_t default_chunk_size = 128;
  // The largest Set Chunk Size a reader can be told to accept (the spec allows
  // up to 2^31-1); the default cap is rtmp.max_chunk_bytes.
  static constexpr std::uint32_t max_chunk_size = 16 * 1024 * 1024;
  static constexpr std::size_t max_chunk_streams = 64;

  // A Set Chunk Size above `max_chunk_bytes` (at most max_chunk_size) is a protocol error.
  explicit ChunkReader(std::size_t max_message_bytes, std::uint32_t max_chunk_bytes = max_chunk_size);

  // Queues bytes (a view; see above); call next() until it returns nullopt afterwards.
  void feed(std::span<const std::uint8_t> data);
  // The next complete message, or nullopt when more input is needed.
  std::optional<Message> next();

  // Every byte ever fed (for Acknowledgement sequence numbers).
  std::uint64_t bytes_received() const { return bytes_received_; }
  // The peer's current chunk size (128 until it sends Set Chunk Size).
  std::uint32_t chunk_size() const { return chunk_size_; }
  // Fed bytes not yet parsed (at most one partial chunk header after next() returned nullopt).
  std::size_t buffered_bytes() const { return view_.size() - pos_; }

 private:
  struct ChunkStream {
    std::uint32_t id = 0;
    std::uint32_t timestamp = 0;  // of the current (or last) message
    std::uint32_t delta = 0;      // added for a type-3 chunk that starts a new message
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint32_t extended_value = 0;  // the extended field of the current message's first chunk
    std::uint8_t type_id = 0;
    bool extended = false;  // the last type 0/1/2 header used an extended timestamp
    bool in_progress = false;
    std::uint64_t last_used = 0;
    std::vector<std::uint8_t> payload;
  };

  bool read_chunk_header();
  std::size_t find_stream(std::uint32_t csid) const;
  std::size_t add_stream(std::uint32_t csid);
  void start_message(ChunkStream& stream);
  Message finish_message(ChunkStream& stream);
  bool apply_control(const Message& message);
  // Copies the unparsed rest of the view into input_ (or compacts input_) and views that.
  void keep_rest();

  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  std::size_t max_message_bytes_;
  std::size_t max_incomplete_bytes_;
  std::uint32_t chunk_size_ = default_chunk_size;
  std::uint32_t max_chunk_bytes_ = max_chunk_size;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t use_counter_ = 0;
  std::vector<std::uint8_t> input_;     // bytes kept across feeds (see keep_rest)
  std::span<const std::uint8_t> view_;  // what is being parsed: the caller's bytes or input_
  bool view_is_input_ = false;
  std::size_t pos_ = 0;  // parse position in view_
  std::vector<ChunkStream> streams_;
  std::size_t current_ = none;    // index of the stream whose chunk payload is being read
  std::uint32_t chunk_left_ = 0;  // payload bytes left in that chunk
  std::size_t incomplete_bytes_ = 0;
};

}  // namespace tidecast::rtmp

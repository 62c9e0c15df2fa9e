#pragma once
// Server side of the RTMP handshake (RTMP 1.0 section 5.2), bytes in, bytes out:
//   client C0 (version 3) + C1 (1536 bytes)  ->  server S0 + S1 + S2
//   client C2 (1536 bytes)                   ->  done; the chunk stream follows.
// When C1 carries a valid Flash Player digest (Flash, FMLE, ffmpeg, librtmp),
// S1 and S2 are signed the way those clients check; otherwise (OBS, most
// modern clients, or a digest that does not verify) it is the plain echo
// handshake.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tidecast::rtmp {

class HandshakeServer {
 public:
  static constexpr std::size_t packet_size = 1536;
  static constexpr std::uint8_t rtmp_version = 3;

  // Consumes handshake bytes and returns how many were used. Stops right after
  // C2, so bytes that follow belong to the chunk stream and stay with the caller.
  // Throws ProtocolError for a C0 version other than 3.
  std::size_t consume(std::span<const std::uint8_t> in);

  // Bytes to send (S0+S1+S2 once C0+C1 are in); empty when there is nothing new.
  std::vector<std::uint8_t> take_output();

  // True once C2 has been received.
  bool done() const { return state_ == State::done; }

  // For logs, valid once C1 is in: whether the digest handshake was used and
  // the client's version field (C1 bytes 4-7, e.g. 0x09007c02; 0 for simple clients).
  bool used_digest() const { return used_digest_; }
  std::uint32_t client_version() const { return client_version_; }

 private:
  enum class State { c0, c1, c2, done };

  void respond_to_c1();

  State state_ = State::c0;
  std::array<std::uint8_t, packet_size> c1_{};
  std::size_t received_ = 0;  // bytes of the current C1/C2 packet so far
  std::vector<std::uint8_t> output_;
  bool used_digest_ = false;
  std::uint32_t client_version_ = 0;
};

}  // namespace tidecast::rtmp

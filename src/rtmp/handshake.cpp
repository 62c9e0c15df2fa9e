#include "rtmp/handshake.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "rtmp/byte_io.hpp"
#include "rtmp/handshake_digest.hpp"
#include "rtmp/protocol_error.hpp"

namespace tidecast::rtmp {
namespace {

namespace hd = handshake_digest;

// The version S1 announces in digest mode (any non-zero value; FMS-style 4.5.0.1).
constexpr std::uint32_t server_version = 0x04050001;

void fill_random(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("rtmp handshake: RAND_bytes failed");
  }
}

}  // namespace

std::size_t HandshakeServer::consume(std::span<const std::uint8_t> in) {
  std::size_t used = 0;
  while (used < in.size() && state_ != State::done) {
    if (state_ == State::c0) {
      const std::uint8_t version = in[used];
      if (version != rtmp_version) {
        throw ProtocolError("rtmp handshake: C0 version " + std::to_string(version) +
                            " not supported (expected 3; 6 would be RTMPE)");
      }
      ++used;
      state_ = State::c1;
      continue;
    }
    const std::size_t n = std::min(packet_size - received_, in.size() - used);
    if (state_ == State::c1) std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(used), n, c1_.begin() + received_);
    received_ += n;
    used += n;
    if (received_ < packet_size) break;
    received_ = 0;
    if (state_ == State::c1) {
      respond_to_c1();
      state_ = State::c2;
    } else {
      state_ = State::done;  // C2 is not checked: clients differ too much in what they echo.
    }
  }
  return used;
}

std::vector<std::uint8_t> HandshakeServer::take_output() {
  return std::exchange(output_, {});
}

void HandshakeServer::respond_to_c1() {
  const hd::Packet c1{c1_};
  client_version_ = bytes::be32(c1_.data() + 4);
  const auto client_digest = client_version_ != 0 ? hd::find_client_digest(c1) : std::nullopt;
  used_digest_ = client_digest.has_value();

  std::array<std::uint8_t, packet_size> s1{};
  std::array<std::uint8_t, packet_size> s2{};
  fill_random(std::span(s1).subspan(8));
  if (!client_digest) {
    // Simple handshake: S1 = time 0, zero, random; S2 echoes C1.
    s2 = c1_;
  } else {
    s1[4] = static_cast<std::uint8_t>(server_version >> 24);
    s1[5] = static_cast<std::uint8_t>(server_version >> 16);
    s1[6] = static_cast<std::uint8_t>(server_version >> 8);
    s1[7] = static_cast<std::uint8_t>(server_version);
    const std::size_t s1_offset = hd::digest_offset(s1, client_digest->layout);
    const auto s1_digest =
        hd::packet_digest(s1, s1_offset, hd::media_server_key().first(hd::media_server_key_public_size));
    std::copy(s1_digest.begin(), s1_digest.end(), s1.begin() + s1_offset);

    // S2: random, signed with a key derived from the client's digest.
    fill_random(s2);
    const auto client_digest_bytes = std::span(c1_).subspan(client_digest->offset, hd::digest_size);
    const auto s2_key = hd::hmac_sha256(hd::media_server_key(), client_digest_bytes);
    constexpr std::size_t signed_size = packet_size - hd::digest_size;
    const auto s2_digest = hd::hmac_sha256(s2_key, std::span(s2).first(signed_size));
    std::copy(s2_digest.begin(), s2_digest.end(), s2.begin() + signed_size);
  }
  output_.reserve(output_.size() + 1 + 2 * packet_size);
  output_.push_back(rtmp_version);
  output_.insert(output_.end(), s1.begin(), s1.end());
  output_.insert(output_.end(), s2.begin(), s2.end());
}

}  // namespace tidecast::rtmp

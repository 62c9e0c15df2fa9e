#pragma once
// The digest ("complex") handshake used by Flash Player, FMLE, ffmpeg and
// librtmp clients: a 32-byte HMAC-SHA256 hidden in C1/S1 at an offset derived
// from four bytes of the packet, and an S2 signed with a key derived from the
// client's digest. The key constants are the public "Genuine Adobe ..." keys.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace tidecast::rtmp::handshake_digest {

inline constexpr std::size_t packet_size = 1536;
inline constexpr std::size_t digest_size = 32;

using Packet = std::span<const std::uint8_t, packet_size>;
using Digest = std::array<std::uint8_t, digest_size>;

// Where the 764-byte digest block sits after the 8-byte time+version prefix:
// first (bytes 8..771) or second (bytes 772..1535). Clients differ; both occur.
enum class Layout { digest_first, digest_second };

// "Genuine Adobe Flash Player 001" + 32 constant bytes (62 bytes; C1 uses the first 30).
std::span<const std::uint8_t> flash_player_key();
// "Genuine Adobe Flash Media Server 001" + 32 constant bytes (68 bytes; S1 uses the first 36).
std::span<const std::uint8_t> media_server_key();
inline constexpr std::size_t flash_player_key_public_size = 30;
inline constexpr std::size_t media_server_key_public_size = 36;

// Offset of the digest inside a packet for the given layout (always < 1536 - 32).
std::size_t digest_offset(Packet packet, Layout layout);

// HMAC-SHA256 of `first` followed by `second` under `key`.
Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> first,
                   std::span<const std::uint8_t> second = {});

// HMAC-SHA256 of the packet with the 32 digest bytes at `offset` left out.
Digest packet_digest(Packet packet, std::size_t offset, std::span<const std::uint8_t> key);

struct ClientDigest {
  Layout layout;
  std::size_t offset;
};

// Finds and verifies the client digest in C1 (Flash Player key), trying both layouts.
std::optional<ClientDigest> find_client_digest(Packet c1);

}  // namespace tidecast::rtmp::handshake_digest

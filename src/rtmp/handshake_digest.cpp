#include "rtmp/handshake_digest.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace tidecast::rtmp::handshake_digest {
namespace {

// The 32 bytes both Genuine keys end with.
constexpr std::uint8_t key_tail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                       0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                       0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

template <std::size_t N>
constexpr std::array<std::uint8_t, N + 32> genuine_key(const char (&name)[N + 1]) {
  std::array<std::uint8_t, N + 32> key{};
  for (std::size_t i = 0; i < N; ++i) key[i] = static_cast<std::uint8_t>(name[i]);
  for (std::size_t i = 0; i < 32; ++i) key[N + i] = key_tail[i];
  return key;
}

constexpr auto fp_key = genuine_key<30>("Genuine Adobe Flash Player 001");
constexpr auto fms_key = genuine_key<36>("Genuine Adobe Flash Media Server 001");

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};

EVP_MAC* hmac_algorithm() {
  // Fetched once; EVP_MAC objects are immutable and safe to share between threads.
  static const std::unique_ptr<EVP_MAC, MacDeleter> mac{EVP_MAC_fetch(nullptr, "HMAC", nullptr)};
  if (!mac) throw std::runtime_error("rtmp handshake: OpenSSL has no HMAC");
  return mac.get();
}

}  // namespace

std::span<const std::uint8_t> flash_player_key() {
  return fp_key;
}
std::span<const std::uint8_t> media_server_key() {
  return fms_key;
}

std::size_t digest_offset(Packet packet, Layout layout) {
  const std::size_t block = layout == Layout::digest_first ? 8 : 772;
  const std::size_t sum = std::size_t{packet[block]} + packet[block + 1] + packet[block + 2] + packet[block + 3];
  // The digest lives in the 728 bytes after the block's 4 offset bytes (764 - 4 - 32).
  return block + 4 + sum % 728;
}

Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> first,
                   std::span<const std::uint8_t> second) {
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx{EVP_MAC_CTX_new(hmac_algorithm())};
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  Digest out{};
  std::size_t out_size = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), first.data(), first.size()) != 1 ||
      EVP_MAC_update(ctx.get(), second.data(), second.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &out_size, out.size()) != 1 || out_size != out.size()) {
    throw std::runtime_error("rtmp handshake: HMAC-SHA256 failed");
  }
  return out;
}

Digest packet_digest(Packet packet, std::size_t offset, std::span<const std::uint8_t> key) {
  return hmac_sha256(key, packet.first(offset), packet.subspan(offset + digest_size));
}

std::optional<ClientDigest> find_client_digest(Packet c1) {
  const auto key = flash_player_key().first(flash_player_key_public_size);
  for (const Layout layout : {Layout::digest_second, Layout::digest_first}) {
    const std::size_t offset = digest_offset(c1, layout);
    const Digest expected = packet_digest(c1, offset, key);
    if (CRYPTO_memcmp(expected.data(), c1.data() + offset, digest_size) == 0) return ClientDigest{layout, offset};
  }
  return std::nullopt;
}

}  // namespace tidecast::rtmp::handshake_digest

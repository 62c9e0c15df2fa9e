#include "rtmp/handshake.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <random>
#include <string>

#include "rtmp/protocol_error.hpp"
#include "rtmp/test_support.hpp"

// The digest checks below are written from the published handshake
// description, independently of src/rtmp/handshake_digest.cpp.
namespace tidecast::rtmp {
namespace {

using test::Bytes;
constexpr std::size_t kPacket = 1536;

const std::uint8_t kKeyTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                   0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                   0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

Bytes genuine_key(const std::string& name, bool with_tail) {
  Bytes key(name.begin(), name.end());
  if (with_tail) key.insert(key.end(), std::begin(kKeyTail), std::end(kKeyTail));
  return key;
}

Bytes hmac(const Bytes& key, const Bytes& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &size) !=
          nullptr);
  return Bytes(out, out + size);
}

// base 8: digest block first; base 772: digest block second.
std::size_t digest_pos(const std::uint8_t* packet, std::size_t base) {
  const unsigned sum = packet[base] + packet[base + 1] + packet[base + 2] + packet[base + 3];
  return base + 4 + sum % 728;
}

Bytes without_digest(const std::uint8_t* packet, std::size_t pos) {
  Bytes out(packet, packet + pos);
  out.insert(out.end(), packet + pos + 32, packet + kPacket);
  return out;
}

Bytes random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

// C0 + C1 of a simple-handshake client: time, four zero bytes, random.
Bytes simple_c0c1(unsigned seed) {
  const Bytes c1 = random_bytes(kPacket, seed);
  Bytes out(1 + c1.size(), 3);
  std::copy(c1.begin(), c1.end(), out.begin() + 1);
  std::memset(out.data() + 5, 0, 4);
  return out;
}

// C0 + C1 of a digest client (Flash Player 9.0.124.2 style).
Bytes digest_c0c1(std::size_t base, unsigned seed) {
  Bytes c1 = random_bytes(kPacket, seed);
  const std::uint8_t version[4] = {9, 0, 124, 2};
  std::memcpy(c1.data() + 4, version, 4);
  const std::size_t pos = digest_pos(c1.data(), base);
  const Bytes digest = hmac(genuine_key("Genuine Adobe Flash Player 001", false), without_digest(c1.data(), pos));
  std::memcpy(c1.data() + pos, digest.data(), 32);
  Bytes out(1 + c1.size(), 3);
  std::copy(c1.begin(), c1.end(), out.begin() + 1);
  return out;
}

// Checks S1 and S2 the way a digest client does; returns the S1 layout base found.
void verify_digest_response(const Bytes& c1, const Bytes& output) {
  REQUIRE(output.size() == 1 + 2 * kPacket);
  CHECK(output[0] == 3);
  const std::uint8_t* s1 = output.data() + 1;
  const std::uint8_t* s2 = output.data() + 1 + kPacket;
  CHECK((s1[4] | s1[5] | s1[6] | s1[7]) != 0);  // a server version

  const Bytes fms36 = genuine_key("Genuine Adobe Flash Media Server 001", false);
  bool s1_ok = false;
  for (const std::size_t base : {std::size_t{8}, std::size_t{772}}) {
    const std::size_t pos = digest_pos(s1, base);
    if (hmac(fms36, without_digest(s1, pos)) == Bytes(s1 + pos, s1 + pos + 32)) s1_ok = true;
  }
  CHECK(s1_ok);

  // The client's own digest keys S2's signature.
  const Bytes fp30 = genuine_key("Genuine Adobe Flash Player 001", false);
  Bytes client_digest;
  for (const std::size_t base : {std::size_t{8}, std::size_t{772}}) {
    const std::size_t pos = digest_pos(c1.data(), base);
    if (hmac(fp30, without_digest(c1.data(), pos)) == Bytes(c1.begin() + pos, c1.begin() + pos + 32)) {
      client_digest.assign(c1.begin() + pos, c1.begin() + pos + 32);
    }
  }
  REQUIRE(client_digest.size() == 32);
  const Bytes key = hmac(genuine_key("Genuine Adobe Flash Media Server 001", true), client_digest);
  CHECK(hmac(key, Bytes(s2, s2 + kPacket - 32)) == Bytes(s2 + kPacket - 32, s2 + kPacket));
}

}  // namespace

TEST_CASE("handshake: simple handshake echoes C1 in S2") {
  HandshakeServer server;
  const Bytes c0c1 = simple_c0c1(1);
  CHECK(server.consume(c0c1) == c0c1.size());
  CHECK_FALSE(server.done());
  const Bytes out = server.take_output();
  REQUIRE(out.size() == 1 + 2 * kPacket);
  CHECK(out[0] == 3);
  CHECK(Bytes(out.begin() + 5, out.begin() + 9) == Bytes(4, 0));  // S1 zero field
  CHECK(Bytes(out.begin() + 1 + kPacket, out.end()) == Bytes(c0c1.begin() + 1, c0c1.end()));
  CHECK(server.take_output().empty());
  CHECK_FALSE(server.used_digest());
  CHECK(server.client_version() == 0);

  // C2 followed by the first chunk-stream bytes: only C2 is consumed.
  Bytes c2 = random_bytes(kPacket, 2);
  const Bytes chunk_bytes = {0x03, 0x00, 0x00, 0x00};
  c2.insert(c2.end(), chunk_bytes.begin(), chunk_bytes.end());
  CHECK(server.consume(c2) == kPacket);
  CHECK(server.done());
  CHECK(server.consume(chunk_bytes) == 0);
  CHECK(server.take_output().empty());
}

TEST_CASE("handshake: one byte at a time") {
  HandshakeServer server;
  const Bytes c0c1 = simple_c0c1(3);
  for (std::size_t i = 0; i < c0c1.size(); ++i) {
    CHECK(server.take_output().empty());
    REQUIRE(server.consume(std::span(c0c1).subspan(i, 1)) == 1);
  }
  CHECK(server.take_output().size() == 1 + 2 * kPacket);
  const Bytes c2 = random_bytes(kPacket, 4);
  for (std::size_t i = 0; i < c2.size(); ++i) {
    CHECK_FALSE(server.done());
    REQUIRE(server.consume(std::span(c2).subspan(i, 1)) == 1);
  }
  CHECK(server.done());
}

TEST_CASE("handshake: everything in one buffer") {
  HandshakeServer server;
  Bytes all = simple_c0c1(5);
  const Bytes c2 = random_bytes(kPacket, 6);
  all.insert(all.end(), c2.begin(), c2.end());
  all.push_back(0x02);
  CHECK(server.consume(all) == all.size() - 1);
  CHECK(server.done());
  CHECK(server.take_output().size() == 1 + 2 * kPacket);
}

TEST_CASE("handshake: digest handshake in both layouts") {
  for (const std::size_t base : {std::size_t{8}, std::size_t{772}}) {
    CAPTURE(base);
    for (unsigned seed = 10; seed < 14; ++seed) {
      HandshakeServer server;
      const Bytes c0c1 = digest_c0c1(base, seed);
      CHECK(server.consume(c0c1) == c0c1.size());
      CHECK(server.used_digest());
      CHECK(server.client_version() == 0x09007c02);
      verify_digest_response(Bytes(c0c1.begin() + 1, c0c1.end()), server.take_output());
    }
  }
}

TEST_CASE("handshake: a real ffmpeg C0+C1 gets a digest response") {
  const Bytes c0c1 = test::read_data_file("ffmpeg_c0c1.bin");
  REQUIRE(c0c1.size() == 1 + kPacket);
  HandshakeServer server;
  CHECK(server.consume(c0c1) == c0c1.size());
  CHECK(server.used_digest());
  CHECK(server.client_version() == 0x09007c02);
  verify_digest_response(Bytes(c0c1.begin() + 1, c0c1.end()), server.take_output());
}

TEST_CASE("handshake: an invalid digest falls back to the simple handshake") {
  Bytes c0c1 = digest_c0c1(772, 20);
  c0c1[1 + 1000] ^= 0xFF;  // breaks the digest whichever byte it covers
  c0c1[1 + 100] ^= 0xFF;
  HandshakeServer server;
  server.consume(c0c1);
  CHECK_FALSE(server.used_digest());
  const Bytes out = server.take_output();
  REQUIRE(out.size() == 1 + 2 * kPacket);
  CHECK(Bytes(out.begin() + 1 + kPacket, out.end()) == Bytes(c0c1.begin() + 1, c0c1.end()));
}

TEST_CASE("handshake: C0 version other than 3 is rejected") {
  for (const std::uint8_t version : {std::uint8_t{0}, std::uint8_t{6}, std::uint8_t{0x16}, std::uint8_t{'G'}}) {
    HandshakeServer server;
    const Bytes c0 = {version, 0, 0, 0};
    CHECK_THROWS_AS(server.consume(c0), ProtocolError);
  }
  HandshakeServer server;
  const Bytes c0 = {6};
  CHECK_THROWS_WITH(server.consume(c0), doctest::Contains("rtmp handshake: C0 version 6"));
}

}  // namespace tidecast::rtmp

#include "core/proxy_protocol.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace pp = tidecast::core::proxy_protocol;
using Status = pp::ParseResult::Status;

namespace {

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

pp::ParseResult parse_text(std::string_view text) {
  return pp::parse(bytes(text));
}

const std::vector<std::uint8_t> kV2Sig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// A v2 header: signature, version/command, family/transport, length, body.
std::vector<std::uint8_t> v2(std::uint8_t ver_cmd, std::uint8_t family, std::vector<std::uint8_t> body,
                             std::optional<std::uint16_t> length = std::nullopt) {
  std::vector<std::uint8_t> out = kV2Sig;
  const std::uint16_t n = length.value_or(static_cast<std::uint16_t>(body.size()));
  out.push_back(ver_cmd);
  out.push_back(family);
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n & 0xFF));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// 192.0.2.7:51234 -> 198.51.100.1:1935
std::vector<std::uint8_t> tcp4_body() {
  return {192, 0, 2, 7, 198, 51, 100, 1, 0xC8, 0x22, 0x07, 0x8F};
}

}  // namespace

TEST_CASE("signature: decided within 12 bytes; RTMP, TLS and HTTP starts are not PROXY headers") {
  CHECK(pp::match_signature({}) == pp::Signature::need_more);
  CHECK(pp::match_signature(bytes("PRO")) == pp::Signature::need_more);
  CHECK(pp::match_signature(bytes("PROXY ")) == pp::Signature::v1);
  CHECK(pp::match_signature(bytes("PROXY TCP4")) == pp::Signature::v1);
  CHECK(pp::match_signature(std::vector<std::uint8_t>(kV2Sig.begin(), kV2Sig.begin() + 11)) ==
        pp::Signature::need_more);
  CHECK(pp::match_signature(kV2Sig) == pp::Signature::v2);
  CHECK(pp::match_signature(std::vector<std::uint8_t>{0x03, 0, 0, 0}) == pp::Signature::none);     // RTMP C0
  CHECK(pp::match_signature(std::vector<std::uint8_t>{0x16, 0x03, 0x01}) == pp::Signature::none);  // TLS
  CHECK(pp::match_signature(bytes("POST / HTTP/1.1")) == pp::Signature::none);
  CHECK(pp::match_signature(bytes("PROXYX")) == pp::Signature::none);
  CHECK(pp::match_signature(bytes("\r\n\r\nGET")) == pp::Signature::none);
}

TEST_CASE("v1: TCP4, TCP6 and UNKNOWN; the payload after the CRLF is left alone") {
  const std::string line = "PROXY TCP4 192.0.2.7 198.51.100.1 51234 1935\r\n";
  auto r = parse_text(line + "\x03rtmp");
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.version == 1);
  CHECK(r.header.size == line.size());
  REQUIRE(r.header.source);
  CHECK(r.header.source->address().to_string() == "192.0.2.7");
  CHECK(r.header.source->port() == 51234);
  CHECK(r.header.destination->address().to_string() == "198.51.100.1");
  CHECK(r.header.destination->port() == 1935);

  r = parse_text("PROXY TCP6 2001:db8::7 2001:db8::1 65535 0\r\n");
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.source->address().to_string() == "2001:db8::7");
  CHECK(r.header.source->port() == 65535);
  CHECK(r.header.destination->port() == 0);

  r = parse_text("PROXY UNKNOWN whatever follows\r\nGET");
  REQUIRE(r.status == Status::complete);
  CHECK_FALSE(r.header.source);
  CHECK(r.header.size == 32);
}

TEST_CASE("v1: every truncation of a valid line needs more; malformed lines are refused with a reason") {
  const std::string line = "PROXY TCP4 192.0.2.7 198.51.100.1 51234 1935\r\n";
  for (std::size_t n = 0; n < line.size(); ++n) {
    CAPTURE(n);
    CHECK(parse_text(line.substr(0, n)).status == Status::need_more);
  }
  const std::pair<const char*, const char*> bad[] = {
      {"PROXY TCP4 192.0.2.7 198.51.100.1 51234 1935\rX", "CR without LF"},
      {"PROXY TCP4 192.0.2.7 198.51.100.1 51234 1935\n", "control or non-ASCII"},
      {"PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "protocol is not"},
      {"PROXY\r\n", "missing protocol"},  // (not even the signature's space: see below)
      {"PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", "expected 4 fields"},
      {"PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n", "expected 4 fields"},
      {"PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n", "expected 4 fields"},
      {"PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", "bad IPv4 address"},
      {"PROXY TCP4 ::1 1.2.3.4 1 2\r\n", "bad IPv4 address"},
      {"PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "bad IPv6 address"},
      {"PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "bad IPv6 address"},
      {"PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", "bad port"},
      {"PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n", "bad port"},
      {"PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n", "bad port"},
      {"PROXY TCP4 1.2.3.4 1.2.3.4 1 \r\n", "bad port"},
  };
  for (const auto& [text, reason] : bad) {
    CAPTURE(text);
    const auto r = parse_text(text);
    if (std::string_view(text) == "PROXY\r\n") {
      CHECK(r.status == Status::invalid);  // "PROXY\r" is not "PROXY ": not a header at all
      continue;
    }
    REQUIRE(r.status == Status::invalid);
    CHECK(r.error.find("proxy protocol v1: ") == 0);
    CHECK(r.error.find(reason) != std::string::npos);
  }
}

TEST_CASE("v1: oversized: no CRLF within 107 bytes is refused, never buffered further") {
  const std::string padded = "PROXY UNKNOWN " + std::string(200, 'x');
  CHECK(parse_text(padded.substr(0, 105)).status == Status::need_more);
  const auto r = parse_text(padded.substr(0, 106));  // no room left for the CRLF
  REQUIRE(r.status == Status::invalid);
  CHECK(r.error == "proxy protocol v1: no CRLF within 107 bytes");
  CHECK(parse_text(padded).status == Status::invalid);
  // 107 bytes exactly, CRLF included, is the largest line allowed.
  const std::string longest = "PROXY UNKNOWN " + std::string(107 - 16, 'y') + "\r\n";
  REQUIRE(longest.size() == 107);
  CHECK(parse_text(longest).status == Status::complete);
  CHECK(parse_text(longest.substr(0, 106)).status == Status::need_more);  // the LF may still come
  // One byte more: the CRLF ends at byte 108 (found by the fuzzer).
  const std::string too_long = "PROXY UNKNOWN " + std::string(107 - 15, 'y') + "\r\n";
  REQUIRE(too_long.size() == 108);
  CHECK(parse_text(too_long).status == Status::invalid);
}

TEST_CASE("v2: PROXY over TCP4 and TCP6, with TLVs; LOCAL and UNSPEC carry no client") {
  auto header = v2(0x21, 0x11, tcp4_body());
  header.push_back(0x03);  // payload
  auto r = pp::parse(header);
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.version == 2);
  CHECK(r.header.size == 28);
  CHECK(r.header.source->address().to_string() == "192.0.2.7");
  CHECK(r.header.source->port() == 51234);
  CHECK(r.header.destination->address().to_string() == "198.51.100.1");
  CHECK(r.header.destination->port() == 1935);

  std::vector<std::uint8_t> body6(36, 0);
  body6[0] = 0x20;
  body6[1] = 0x01;
  body6[2] = 0x0d;
  body6[3] = 0xb8;
  body6[15] = 7;
  body6[32] = 0x01;
  body6[33] = 0xBB;
  // An ALPN TLV and a NOOP TLV after the addresses.
  for (int b : {0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x00}) body6.push_back(static_cast<std::uint8_t>(b));
  r = pp::parse(v2(0x21, 0x21, body6));
  REQUIRE(r.status == Status::complete);
  CHECK(r.header.source->address().to_string() == "2001:db8::7");
  CHECK(r.header.source->port() == 443);
  CHECK(r.header.size == 16 + 44);

  r = pp::parse(v2(0x20, 0x00, {}));  // LOCAL (a health check)
  REQUIRE(r.status == Status::complete);
  CHECK_FALSE(r.header.source);
  r = pp::parse(v2(0x20, 0x11, tcp4_body()));  // LOCAL ignores the addresses it carries
  REQUIRE(r.status == Status::complete);
  CHECK_FALSE(r.header.source);
  r = pp::parse(v2(0x21, 0x00, {}));  // PROXY, UNSPEC
  REQUIRE(r.status == Status::complete);
  CHECK_FALSE(r.header.source);
}

TEST_CASE("v2: truncated input needs more; malformed and oversized headers are refused") {
  const auto full = v2(0x21, 0x11, tcp4_body());
  for (std::size_t n = 0; n < full.size(); ++n) {
    CAPTURE(n);
    CHECK(pp::parse(std::span(full).first(n)).status == Status::need_more);
  }
  const auto error_of = [](const std::vector<std::uint8_t>& input) {
    const auto r = pp::parse(input);
    REQUIRE(r.status == Status::invalid);
    return r.error;
  };
  CHECK(error_of(v2(0x11, 0x11, tcp4_body())) == "proxy protocol v2: version nibble is not 2");
  CHECK(error_of(v2(0x22, 0x11, tcp4_body())) == "proxy protocol v2: command is neither LOCAL nor PROXY");
  CHECK(error_of(v2(0x21, 0x41, tcp4_body())) == "proxy protocol v2: unknown address family or transport");
  CHECK(error_of(v2(0x21, 0x13, tcp4_body())) == "proxy protocol v2: unknown address family or transport");
  CHECK(error_of(v2(0x21, 0x12, tcp4_body())) == "proxy protocol v2: only TCP (STREAM) is accepted on a TCP listener");
  CHECK(error_of(v2(0x21, 0x11, {1, 2, 3, 4})) == "proxy protocol v2: length too short for the address family");
  CHECK(error_of(v2(0x21, 0x21, tcp4_body())) == "proxy protocol v2: length too short for the address family");
  auto bad_tlv = tcp4_body();
  for (int b : {0x01, 0x00, 0x05, 0x68}) bad_tlv.push_back(static_cast<std::uint8_t>(b));
  CHECK(error_of(v2(0x21, 0x11, bad_tlv)) == "proxy protocol v2: TLV runs past the header");
  auto short_tlv = tcp4_body();
  for (std::uint8_t b : {0x01, 0x00}) short_tlv.push_back(b);
  CHECK(error_of(v2(0x21, 0x11, short_tlv)) == "proxy protocol v2: truncated TLV");
  // Oversized: refused from the 16-byte head alone, before any body arrives.
  const auto huge = v2(0x21, 0x11, {}, 65535);
  CHECK(error_of(huge) == "proxy protocol v2: header of 65551 bytes exceeds the limit of 1024");
  std::vector<std::uint8_t> largest_body = tcp4_body();
  for (std::uint8_t b : {0x04, 0x03, 0xE1}) largest_body.push_back(b);  // a NOOP TLV: 993 bytes, 1024 in all
  largest_body.resize(1024 - 16, 0);
  CHECK(pp::parse(v2(0x21, 0x11, largest_body)).status == Status::complete);
}

TEST_CASE("anything that is not a PROXY header is invalid for parse()") {
  const auto r = pp::parse(std::vector<std::uint8_t>{0x03, 0x00});
  REQUIRE(r.status == Status::invalid);
  CHECK(r.error == "proxy protocol: the connection does not start with a PROXY header");
}

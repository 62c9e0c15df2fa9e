#include "core/proxy_protocol.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace tidecast::core::proxy_protocol {

namespace {

namespace ip = boost::asio::ip;
using Status = ParseResult::Status;

constexpr std::string_view kV1Signature = "PROXY ";
constexpr std::array<std::uint8_t, kSignatureBytes> kV2Signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                                    0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// How `bytes` compare with `signature`: 1 = starts with it, 0 = a prefix of it, -1 = differs.
template <class Signature>
int compare_prefix(std::span<const std::uint8_t> bytes, const Signature& signature) {
  const std::size_t n = std::min(bytes.size(), signature.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (bytes[i] != static_cast<std::uint8_t>(signature[i])) return -1;
  }
  return n == signature.size() ? 1 : 0;
}

ParseResult invalid(int version, std::string_view what) {
  ParseResult result;
  result.status = Status::invalid;
  result.error = "proxy protocol v" + std::to_string(version) + ": " + std::string(what);
  return result;
}

ParseResult complete(Header header) {
  ParseResult result;
  result.status = Status::complete;
  result.header = std::move(header);
  return result;
}

// Decimal 0..65535 without sign, spaces or leading zeros.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<ip::address> parse_v1_address(std::string_view text, bool v6) {
  // Digits, dots, hex and colons only: no zone ids ("%eth0"), no brackets.
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
  if (text.empty() || !plain) return std::nullopt;
  boost::system::error_code ec;
  const std::string s(text);
  if (v6) {
    const auto a = ip::make_address_v6(s, ec);
    if (ec) return std::nullopt;
    return ip::address(a);
  }
  const auto a = ip::make_address_v4(s, ec);
  if (ec) return std::nullopt;
  return ip::address(a);
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = line.find(' ', start);
    parts.push_back(line.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start));
    if (space == std::string_view::npos) return parts;
    start = space + 1;
  }
}

ParseResult parse_v1(std::span<const std::uint8_t> bytes) {
  // The CR may be at index 105 at most: the line with its CRLF fits in 107 bytes.
  const std::size_t scan = std::min(bytes.size(), kMaxV1Bytes - 1);
  std::size_t end = 0;  // index of the CR
  bool found = false;
  for (std::size_t i = 0; i < scan; ++i) {
    const std::uint8_t c = bytes[i];
    if (c == '\r') {
      if (i + 1 >= bytes.size()) return ParseResult{};  // the LF may be next
      if (bytes[i + 1] != '\n') return invalid(1, "CR without LF");
      end = i;
      found = true;
      break;
    }
    if (c < 0x20 || c > 0x7E) return invalid(1, "control or non-ASCII byte in the header line");
  }
  if (!found) {
    if (bytes.size() >= kMaxV1Bytes - 1) return invalid(1, "no CRLF within 107 bytes");
    return ParseResult{};
  }
  const std::string_view line(reinterpret_cast<const char*>(bytes.data()), end);
  const auto parts = split_spaces(line);
  Header header;
  header.version = 1;
  header.size = end + 2;
  if (parts.size() < 2) return invalid(1, "missing protocol");
  if (parts[1] == "UNKNOWN") return complete(header);  // the rest of the line is to be ignored
  const bool v6 = parts[1] == "TCP6";
  if (!v6 && parts[1] != "TCP4") return invalid(1, "protocol is not TCP4, TCP6 or UNKNOWN");
  if (parts.size() != 6) return invalid(1, "expected 4 fields after the protocol, separated by single spaces");
  const auto source = parse_v1_address(parts[2], v6);
  const auto destination = parse_v1_address(parts[3], v6);
  if (!source || !destination) return invalid(1, v6 ? "bad IPv6 address" : "bad IPv4 address");
  const auto source_port = parse_port(parts[4]);
  const auto destination_port = parse_port(parts[5]);
  if (!source_port || !destination_port) return invalid(1, "bad port");
  header.source = ip::tcp::endpoint(*source, *source_port);
  header.destination = ip::tcp::endpoint(*destination, *destination_port);
  return complete(header);
}

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

template <std::size_t N>
std::array<unsigned char, N> read_bytes(std::span<const std::uint8_t> bytes, std::size_t at) {
  std::array<unsigned char, N> out{};
  std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), N, out.begin());
  return out;
}

ParseResult parse_v2(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kV2HeadBytes) return ParseResult{};
  const std::uint8_t version = bytes[12] >> 4;
  const std::uint8_t command = bytes[12] & 0x0F;
  const std::uint8_t family = bytes[13] >> 4;
  const std::uint8_t transport = bytes[13] & 0x0F;
  const std::size_t total = kV2HeadBytes + read_u16(bytes, 14);
  if (version != 2) return invalid(2, "version nibble is not 2");
  if (command > 1) return invalid(2, "command is neither LOCAL nor PROXY");
  if (family > 3 || transport > 2) return invalid(2, "unknown address family or transport");
  if (total > kMaxV2Bytes) {
    return invalid(2,
                   "header of " + std::to_string(total) + " bytes exceeds the limit of " + std::to_string(kMaxV2Bytes));
  }
  if (bytes.size() < total) return ParseResult{};

  std::size_t address_bytes = 0;  // of the family announced, LOCAL or not
  if (family == 1) address_bytes = 12;
  if (family == 2) address_bytes = 36;
  if (family == 3) address_bytes = 216;
  if (total - kV2HeadBytes < address_bytes) return invalid(2, "length too short for the address family");
  // TLVs (type, 16-bit length, value) fill the rest exactly.
  for (std::size_t at = kV2HeadBytes + address_bytes; at < total;) {
    if (total - at < 3) return invalid(2, "truncated TLV");
    const std::size_t length = read_u16(bytes, at + 1);
    if (total - at - 3 < length) return invalid(2, "TLV runs past the header");
    at += 3 + length;
  }

  Header header;
  header.version = 2;
  header.size = total;
  if (command == 0) return complete(header);  // LOCAL: the proxy speaking for itself
  if (family == 1 || family == 2) {
    if (transport != 1) return invalid(2, "only TCP (STREAM) is accepted on a TCP listener");
    const std::size_t at = kV2HeadBytes;
    if (family == 1) {
      const ip::address_v4 source(read_bytes<4>(bytes, at));
      const ip::address_v4 destination(read_bytes<4>(bytes, at + 4));
      header.source = ip::tcp::endpoint(source, read_u16(bytes, at + 8));
      header.destination = ip::tcp::endpoint(destination, read_u16(bytes, at + 10));
    } else {
      const ip::address_v6 source(read_bytes<16>(bytes, at));
      const ip::address_v6 destination(read_bytes<16>(bytes, at + 16));
      header.source = ip::tcp::endpoint(source, read_u16(bytes, at + 32));
      header.destination = ip::tcp::endpoint(destination, read_u16(bytes, at + 34));
    }
  }
  // UNSPEC and UNIX: no address to use; the peer stands for the client.
  return complete(header);
}

}  // namespace

Signature match_signature(std::span<const std::uint8_t> bytes) {
  const int v1 = compare_prefix(bytes, kV1Signature);
  const int v2 = compare_prefix(bytes, kV2Signature);
  if (v1 == 1) return Signature::v1;
  if (v2 == 1) return Signature::v2;
  if (v1 == -1 && v2 == -1) return Signature::none;
  return Signature::need_more;
}

ParseResult parse(std::span<const std::uint8_t> bytes) {
  switch (match_signature(bytes)) {
    case Signature::need_more:
      return ParseResult{};
    case Signature::none: {
      ParseResult result;
      result.status = Status::invalid;
      result.error = "proxy protocol: the connection does not start with a PROXY header";
      return result;
    }
    case Signature::v1:
      return parse_v1(bytes);
    case Signature::v2:
      return parse_v2(bytes);
  }
  return ParseResult{};
}

}  // namespace tidecast::core::proxy_protocol

#pragma once
// The PROXY protocol header (HAProxy's spec, versions 1 and 2) that a TCP
// proxy such as HAProxy (`send-proxy`, `send-proxy-v2`) writes at the start
// of a connection to say whom it carries: pure parsing, no sockets. The
// listener side (who may send one, what happens then) is core/proxy_preface.hpp.
//
// v1 is one text line, at most 107 bytes with its CRLF:
//   "PROXY TCP4 192.0.2.7 198.51.100.1 51234 1935\r\n" (or TCP6, or UNKNOWN).
// v2 is a 16-byte binary head (12-byte signature, version/command, family,
// length) followed by the addresses and optional TLVs; its length is bounded
// here by kMaxV2Bytes, far below the 64 KiB the field allows.
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace tidecast::core::proxy_protocol {

inline constexpr std::size_t kMaxV1Bytes = 107;
inline constexpr std::size_t kV2HeadBytes = 16;
inline constexpr std::size_t kMaxV2Bytes = 1024;  // head, addresses and TLVs (HAProxy sends 28..~300)
// Enough bytes to tell a header from anything else (the v2 signature's length).
inline constexpr std::size_t kSignatureBytes = 12;

enum class Signature {
  need_more,  // the bytes so far begin both a header and something else
  none,       // not a PROXY header
  v1,
  v2,
};

// Which header, if any, `bytes` start with; decided after at most kSignatureBytes.
Signature match_signature(std::span<const std::uint8_t> bytes);

struct Header {
  int version = 0;  // 1 or 2
  // The addresses the proxy reports, when it reports any: not for v1
  // "UNKNOWN", a v2 LOCAL command (the proxy's own health check) or a v2
  // family other than TCP over IPv4/IPv6. Without them the connection's own
  // peer is the client.
  std::optional<boost::asio::ip::tcp::endpoint> source;
  std::optional<boost::asio::ip::tcp::endpoint> destination;
  std::size_t size = 0;  // bytes the header takes; what follows is the payload
};

struct ParseResult {
  enum class Status { need_more, complete, invalid };
  Status status = Status::need_more;
  Header header;      // when complete
  std::string error;  // when invalid: "proxy protocol v1: ..." / "... v2: ..."
};

// Parses the header at the start of `bytes` (more may follow it). need_more
// while it is incomplete; invalid for anything that is not a well-formed
// header, including input that is not a PROXY header at all, a v1 line
// without its CRLF within 107 bytes and a v2 header over kMaxV2Bytes.
ParseResult parse(std::span<const std::uint8_t> bytes);

}  // namespace tidecast::core::proxy_protocol

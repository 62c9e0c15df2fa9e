// libFuzzer target for the trusted-proxy resolver (http/client_origin.hpp) and
// the address/CIDR parser under it. Input: one byte picking the peer, then
// lines: trusted entries (space separated), X-Forwarded-For,
// X-Forwarded-Proto, X-Forwarded-Host, Host.
// Oracles: an untrusted peer is the client; the client is always an address;
// a host is empty or well-formed; a parsed range prints as something that
// parses back to the same range.
#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "core/ip_network.hpp"
#include "fuzz_check.hpp"
#include "http/client_origin.hpp"

using tidecast::fuzz::check;
namespace core = tidecast::core;
namespace http = tidecast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* const kPeers[] = {"127.0.0.1", "::1", "192.0.2.1", "::ffff:127.0.0.1", "10.1.2.3", "fd00::9"};
  const auto peer = boost::asio::ip::make_address(kPeers[data[0] % std::size(kPeers)]);
  std::vector<std::string> lines(1);
  for (char c : tidecast::fuzz::as_text(data + 1, size - 1)) {
    if (c == '\n') {
      lines.emplace_back();
    } else if (c != '\r' && c != '\0') {
      lines.back() += c;
    }
  }
  lines.resize(std::max<std::size_t>(lines.size(), 5));

  std::vector<core::IpNetwork> networks;
  std::size_t start = 0;
  const std::string& list = lines[0];
  while (start <= list.size()) {
    const std::size_t space = std::min(list.find(' ', start), list.size());
    if (const auto network = core::IpNetwork::parse(std::string_view(list).substr(start, space - start))) {
      networks.push_back(*network);
      const auto again = core::IpNetwork::parse(network->to_string());
      check(again && again->to_string() == network->to_string());
    }
    start = space + 1;
  }
  const core::TrustedProxies trusted(networks);

  boost::beast::http::fields headers;
  if (!lines[1].empty()) headers.insert("X-Forwarded-For", lines[1]);
  if (!lines[2].empty()) headers.insert("X-Forwarded-Proto", lines[2]);
  if (!lines[3].empty()) headers.insert("X-Forwarded-Host", lines[3]);
  if (!lines[4].empty()) headers.insert(boost::beast::http::field::host, lines[4]);
  const http::ClientInfo client = http::resolve_client(peer, false, headers, trusted);

  const auto direct = core::unmapped(peer);
  check(client.peer == direct.to_string());
  check(core::parse_ip_address(client.address).has_value());
  if (!trusted.trusts(direct)) check(client.address == client.peer && !client.secure);
  check(client.host.empty() || http::valid_host(client.host));
  return 0;
}

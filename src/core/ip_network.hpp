#pragma once
// IP addresses and address ranges as config and proxy headers write them:
// "192.0.2.7", "2001:db8::1", "10.0.0.0/8", "fd00::/8". An IPv4-mapped IPv6
// address ("::ffff:10.1.2.3", what a dual-stack "[::]" listener reports for
// IPv4 peers) is treated as its IPv4 address everywhere, so one range matches
// a client however it connected.
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tidecast::core {

// The IPv4 address inside an IPv4-mapped IPv6 one; other addresses unchanged.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

// A bare address, IPv6 also in brackets ("[::1]"); no zone ids, no ports.
// Returned unmapped. nullopt for anything else.
std::optional<boost::asio::ip::address> parse_ip_address(std::string_view text);

class IpNetwork {
 public:
  // "addr/prefix", or one address (a /32 or /128). Host bits set past the
  // prefix ("10.0.0.1/8") are refused: more likely a typo than intended.
  static std::optional<IpNetwork> parse(std::string_view text);

  bool contains(const boost::asio::ip::address& address) const;
  std::string to_string() const;  // "10.0.0.0/8"

 private:
  IpNetwork(boost::asio::ip::address base, unsigned prefix) : base_(base), prefix_(prefix) {}

  boost::asio::ip::address base_;
  unsigned prefix_ = 0;
};

// The reverse proxies whose X-Forwarded-* headers are believed
// (http.trusted_proxies; http/client_origin.hpp applies them). Empty trusts
// nobody.
class TrustedProxies {
 public:
  TrustedProxies() = default;
  explicit TrustedProxies(std::vector<IpNetwork> networks) : networks_(std::move(networks)) {}
  // For lists already validated (validate_config): entries that do not parse
  // are skipped.
  static TrustedProxies from_config(const std::vector<std::string>& entries);

  bool trusts(const boost::asio::ip::address& address) const;
  bool empty() const { return networks_.empty(); }
  std::string to_string() const;  // "127.0.0.0/8,::1/128" for the start-up log line

 private:
  std::vector<IpNetwork> networks_;
};

}  // namespace tidecast::core

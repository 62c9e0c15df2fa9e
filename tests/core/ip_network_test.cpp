#include "core/ip_network.hpp"

#include <doctest/doctest.h>

using tidecast::core::IpNetwork;
using tidecast::core::parse_ip_address;
using tidecast::core::TrustedProxies;

namespace {

boost::asio::ip::address addr(const char* text) {
  return boost::asio::ip::make_address(text);
}

bool in(const char* network, const char* address) {
  const auto parsed = IpNetwork::parse(network);
  REQUIRE(parsed);
  return parsed->contains(addr(address));
}

}  // namespace

TEST_CASE("addresses parse strictly: v4, v6, v6 in brackets; mapped v6 becomes v4") {
  CHECK(parse_ip_address("192.0.2.7") == addr("192.0.2.7"));
  CHECK(parse_ip_address("2001:db8::1") == addr("2001:db8::1"));
  CHECK(parse_ip_address("[2001:db8::1]") == addr("2001:db8::1"));
  CHECK(parse_ip_address("::ffff:10.1.2.3") == addr("10.1.2.3"));
  for (const char* bad : {"", "unknown", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "[1.2.3.4]", "[::1",
                          "::1]", "fe80::1%eth0", "1.2.3.4:80", "example.com", "::g"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_ip_address(bad));
  }
  CHECK_FALSE(parse_ip_address(std::string(100, '1')));
}

TEST_CASE("CIDR ranges: prefixes, single addresses, families kept apart") {
  CHECK(in("127.0.0.0/8", "127.0.0.1"));
  CHECK(in("127.0.0.0/8", "127.255.255.254"));
  CHECK_FALSE(in("127.0.0.0/8", "128.0.0.1"));
  CHECK(in("10.1.2.0/23", "10.1.3.255"));
  CHECK_FALSE(in("10.1.2.0/23", "10.1.4.0"));
  CHECK(in("0.0.0.0/0", "203.0.113.9"));
  CHECK_FALSE(in("0.0.0.0/0", "2001:db8::1"));  // an IPv4 range never holds IPv6 clients
  CHECK(in("192.0.2.7", "192.0.2.7"));          // a bare address is a /32
  CHECK_FALSE(in("192.0.2.7", "192.0.2.8"));
  CHECK(in("::1", "::1"));
  CHECK_FALSE(in("::1", "::2"));
  CHECK(in("fd00::/8", "fd12:3456::1"));
  CHECK_FALSE(in("fd00::/8", "fe80::1"));
  CHECK(in("2001:db8:abcd::/48", "2001:db8:abcd:ffff::1"));
  CHECK_FALSE(in("2001:db8:abcd::/48", "2001:db8:abce::1"));
  CHECK(in("::/0", "2001:db8::1"));
  CHECK_FALSE(in("::/0", "192.0.2.1"));
  // Dual-stack listeners report IPv4 peers as mapped IPv6: they match IPv4 ranges.
  CHECK(in("127.0.0.0/8", "::ffff:127.0.0.1"));
  CHECK(in("::ffff:10.0.0.0/104", "10.9.8.7"));
  CHECK(IpNetwork::parse("::ffff:10.0.0.0/104")->to_string() == "10.0.0.0/8");
  CHECK(IpNetwork::parse("[::1]")->to_string() == "::1/128");
  CHECK(IpNetwork::parse("10.0.0.0/8")->to_string() == "10.0.0.0/8");
}

TEST_CASE("malformed ranges are refused") {
  for (const char* bad :
       {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
        "10.0.0.0/0008", "10.0.0.1/8", "fd00::1/8", "localhost", "::ffff:10.0.0.0/8", "10.0.0.0/8 ", "*"}) {
    CAPTURE(bad);
    CHECK_FALSE(IpNetwork::parse(bad));
  }
}

TEST_CASE("trusted proxies: any matching range; empty trusts nobody") {
  const auto trusted = TrustedProxies::from_config({"127.0.0.0/8", "::1", "10.0.0.0/8"});
  CHECK(trusted.trusts(addr("127.0.0.1")));
  CHECK(trusted.trusts(addr("::1")));
  CHECK(trusted.trusts(addr("10.20.30.40")));
  CHECK(trusted.trusts(addr("::ffff:10.20.30.40")));
  CHECK_FALSE(trusted.trusts(addr("192.0.2.1")));
  CHECK_FALSE(trusted.trusts(addr("::2")));
  CHECK(trusted.to_string() == "127.0.0.0/8,::1/128,10.0.0.0/8");
  const TrustedProxies nobody;
  CHECK(nobody.empty());
  CHECK_FALSE(nobody.trusts(addr("127.0.0.1")));
  CHECK(nobody.to_string() == "none");
}

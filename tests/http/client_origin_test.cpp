#include "http/client_origin.hpp"

#include <doctest/doctest.h>

#include <initializer_list>
#include <utility>

using tidecast::core::TrustedProxies;
using tidecast::http::ClientInfo;
using tidecast::http::resolve_client;
using tidecast::http::valid_host;

namespace {

using Headers = std::initializer_list<std::pair<const char*, const char*>>;

const TrustedProxies kLoopback = TrustedProxies::from_config({"127.0.0.0/8", "::1"});

ClientInfo resolve(const char* peer, Headers headers, const TrustedProxies& trusted = kLoopback, bool tls = false) {
  boost::beast::http::fields fields;
  for (const auto& [name, value] : headers) fields.insert(name, value);
  return resolve_client(boost::asio::ip::make_address(peer), tls, fields, trusted);
}

}  // namespace

TEST_CASE("without proxy headers the client is the peer") {
  const ClientInfo c = resolve("192.0.2.10", {{"Host", "tv.example:8080"}});
  CHECK(c.address == "192.0.2.10");
  CHECK(c.peer == "192.0.2.10");
  CHECK(c.host == "tv.example:8080");
  CHECK_FALSE(c.secure);
  CHECK(resolve("192.0.2.10", {}, kLoopback, /*tls=*/true).secure);
  CHECK(resolve("127.0.0.1", {}).address == "127.0.0.1");
}

TEST_CASE("an untrusted peer's proxy headers are ignored") {
  const ClientInfo c = resolve("192.0.2.10", {{"Host", "tv.example"},
                                              {"X-Forwarded-For", "198.51.100.1"},
                                              {"X-Forwarded-Proto", "https"},
                                              {"X-Forwarded-Host", "evil.example"}});
  CHECK(c.address == "192.0.2.10");
  CHECK_FALSE(c.secure);
  CHECK(c.host == "tv.example");
  // Trusting nobody ignores them from loopback too.
  const ClientInfo none =
      resolve("127.0.0.1", {{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-Proto", "https"}}, TrustedProxies{});
  CHECK(none.address == "127.0.0.1");
  CHECK_FALSE(none.secure);
}

TEST_CASE("a trusted peer's headers give the client address, scheme and host") {
  const ClientInfo c = resolve("127.0.0.1", {{"Host", "127.0.0.1:8080"},
                                             {"X-Forwarded-For", "198.51.100.1"},
                                             {"X-Forwarded-Proto", "https"},
                                             {"X-Forwarded-Host", "tv.example"}});
  CHECK(c.address == "198.51.100.1");
  CHECK(c.peer == "127.0.0.1");
  CHECK(c.secure);
  CHECK(c.host == "tv.example");
  // A proxy that talks TLS to us for a plain-http client says so.
  CHECK_FALSE(resolve("127.0.0.1", {{"X-Forwarded-Proto", "http"}}, kLoopback, /*tls=*/true).secure);
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-Proto", "HTTPS"}}).secure);
}

TEST_CASE("X-Forwarded-For is walked right to left past trusted hops") {
  const auto chain = TrustedProxies::from_config({"127.0.0.0/8", "10.0.0.0/8"});
  // client-supplied junk, the real client, then two proxies of ours.
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "1.1.1.1, 203.0.113.5, 10.0.0.2, 10.0.0.3"}}, chain).address ==
        "203.0.113.5");
  // The client cannot push itself past the first untrusted hop.
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "10.9.9.9, 203.0.113.5"}}, chain).address == "203.0.113.5");
  // Every hop trusted: the leftmost is the client.
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "10.0.0.7, 10.0.0.2"}}, chain).address == "10.0.0.7");
  // Several header lines form one list, in order.
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "203.0.113.5"}, {"X-Forwarded-For", "10.0.0.2"}}, chain).address ==
        "203.0.113.5");
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "10.0.0.2"}, {"X-Forwarded-For", "198.51.100.4"}}, chain).address ==
        "198.51.100.4");
  // A peer outside the list: nothing is believed, even a chain of trusted-looking hops.
  CHECK(resolve("192.0.2.1", {{"X-Forwarded-For", "203.0.113.5, 10.0.0.2"}}, chain).address == "192.0.2.1");
}

TEST_CASE("IPv6 peers, clients and ports in X-Forwarded-For") {
  CHECK(resolve("::1", {{"X-Forwarded-For", "2001:db8::7"}}).address == "2001:db8::7");
  CHECK(resolve("::1", {{"X-Forwarded-For", "[2001:db8::7]:51234"}}).address == "2001:db8::7");
  CHECK(resolve("::1", {{"X-Forwarded-For", "[2001:db8::7]"}}).address == "2001:db8::7");
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "198.51.100.1:4711"}}).address == "198.51.100.1");
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "::ffff:198.51.100.1"}}).address == "198.51.100.1");
  // A dual-stack listener reports an IPv4 proxy as mapped IPv6: still trusted, shown as IPv4.
  const ClientInfo mapped = resolve("::ffff:127.0.0.1", {{"X-Forwarded-For", "2001:db8::9"}});
  CHECK(mapped.address == "2001:db8::9");
  CHECK(mapped.peer == "127.0.0.1");
  const auto v6 = TrustedProxies::from_config({"fd00::/8"});
  CHECK(resolve("fd00::5", {{"X-Forwarded-For", "192.0.2.44, fd00::6"}}, v6).address == "192.0.2.44");
  CHECK(resolve("fe80::5", {{"X-Forwarded-For", "192.0.2.44"}}, v6).address == "fe80::5");
}

TEST_CASE("garbage in the headers is never believed") {
  // Not an address at the right end: the peer.
  for (const char* bad : {"", " ", ",", "unknown", "garbage", "1.2.3", "198.51.100.1:", "198.51.100.1:99999999",
                          "[2001:db8::7", "[2001:db8::7]x", "fe80::1%eth0", "198.51.100.1\t\t,"}) {
    CAPTURE(bad);
    CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", bad}}).address == "127.0.0.1");
  }
  // Garbage further left stops the walk at the nearest address believed.
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "junk, 127.0.0.5"}}).address == "127.0.0.5");
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", "198.51.100.1, junk, 203.0.113.5"}}).address == "203.0.113.5");
  // Tabs and spaces around entries are fine.
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-For", " \t198.51.100.1 \t"}}).address == "198.51.100.1");
  // An unknown scheme leaves the connection's own.
  CHECK_FALSE(resolve("127.0.0.1", {{"X-Forwarded-Proto", "httpss"}}).secure);
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-Proto", "ftp"}}, kLoopback, true).secure);
  // Lists: the last entry is the trusted peer's.
  CHECK_FALSE(resolve("127.0.0.1", {{"X-Forwarded-Proto", "https, http"}}).secure);
  CHECK(resolve("127.0.0.1", {{"X-Forwarded-Proto", "http,https"}}).secure);
  // A host that could break out of a URL or the MPD's XML is dropped.
  CHECK(resolve("127.0.0.1", {{"Host", "tv.example"}, {"X-Forwarded-Host", "a\"><x y=\""}}).host == "tv.example");
  CHECK(resolve("127.0.0.1", {{"Host", "tv.example"}, {"X-Forwarded-Host", "a.example, b.example:8443"}}).host ==
        "b.example:8443");
  CHECK(resolve("192.0.2.1", {{"Host", "x/y"}}).host.empty());
  CHECK(resolve("192.0.2.1", {}).host.empty());
}

TEST_CASE("valid_host accepts names, addresses and ports only") {
  for (const char* ok : {"tv.example", "tv.example:8443", "127.0.0.1:8080", "[::1]", "[2001:db8::1]:443", "a_b-c.d"}) {
    CAPTURE(ok);
    CHECK(valid_host(ok));
  }
  for (const char* bad : {"", ":80", "tv.example:", "tv.example:http", "tv example", "tv.example/x", "[::1",
                          "[1.2.3.4]", "[::1]x", "a@b", "tv.example:123456", "a\"b", "a<b"}) {
    CAPTURE(bad);
    CHECK_FALSE(valid_host(bad));
  }
  CHECK_FALSE(valid_host(std::string(256, 'a')));
}

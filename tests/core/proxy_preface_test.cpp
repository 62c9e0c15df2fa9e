#include "core/proxy_preface.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
using tcp = net::ip::tcp;
using tidecast::core::PrefaceResult;
using tidecast::core::ProxyPreface;

namespace {

// One loopback connection: the client writes `chunks` (pausing between them),
// the accepted side runs the preface; returns its result.
PrefaceResult run_preface(ProxyPreface::Mode mode, std::vector<std::string> chunks,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5), bool close_after = false) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  std::optional<PrefaceResult> result;
  std::atomic<bool> done{false};
  acceptor.async_accept([&](boost::system::error_code ec, tcp::socket socket) {
    REQUIRE_FALSE(ec);
    const auto peer = socket.remote_endpoint();
    ProxyPreface::run(std::move(socket), peer, mode, timeout, [&](tcp::socket, PrefaceResult r) {
      result = std::move(r);
      done = true;
    });
  });
  std::thread client([&, port = acceptor.local_endpoint().port()] {
    net::io_context client_ioc;
    tcp::socket s(client_ioc);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    for (const auto& chunk : chunks) {
      net::write(s, net::buffer(chunk));
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    // Keeps the connection open until the preface is over (unless it is a port check).
    const auto give_up = std::chrono::steady_clock::now() + timeout + std::chrono::seconds(2);
    while (!close_after && !done && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  ioc.run_for(timeout + std::chrono::seconds(2));  // returns once the preface is over: no work left
  client.join();
  REQUIRE(result);
  return *result;
}

}  // namespace

TEST_CASE("preface, trusted peer: a header split over reads names the client; the rest is handed on") {
  const auto r =
      run_preface(ProxyPreface::Mode::require, {"PROXY TCP4 192.0.2.7 ", "198.51.100.1 51234 1935\r", "\n\x03rtmp"});
  CHECK(r.ok);
  CHECK(r.client.address().to_string() == "192.0.2.7");
  CHECK(r.client.port() == 51234);
  CHECK(r.preread == "\x03rtmp");
}

TEST_CASE("preface, trusted peer: no header, a bad one, or none in time is a refusal with a reason") {
  auto r = run_preface(ProxyPreface::Mode::require, {std::string("\x03") + std::string(20, '\0')});
  CHECK_FALSE(r.ok);
  CHECK(r.error == "proxy protocol: the connection does not start with a PROXY header");
  r = run_preface(ProxyPreface::Mode::require, {"PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n"});
  CHECK_FALSE(r.ok);
  CHECK(r.error == "proxy protocol v1: bad port");
  r = run_preface(ProxyPreface::Mode::require, {"PROXY TCP4 1.2."}, std::chrono::milliseconds(300));
  CHECK_FALSE(r.ok);
  CHECK(r.error == "no complete PROXY header in time");
  r = run_preface(ProxyPreface::Mode::require, {}, std::chrono::seconds(5), true);  // a port check
  CHECK_FALSE(r.ok);
  CHECK(r.error.empty());
}

TEST_CASE("preface, untrusted peer: its own address and bytes pass; a PROXY header is spoofing") {
  auto r = run_preface(ProxyPreface::Mode::refuse, {"POST / HTTP/1.1\r\n"});
  CHECK(r.ok);
  CHECK(r.client.address().to_string() == "127.0.0.1");
  CHECK(r.preread == "POST / HTTP/1.1\r\n");
  r = run_preface(ProxyPreface::Mode::refuse, {"PRO", "XY TCP4 203.0.113.9 127.0.0.1 1 2\r\n"});
  CHECK_FALSE(r.ok);
  CHECK(r.error == "PROXY header from an address not in http.trusted_proxies");
  r = run_preface(ProxyPreface::Mode::refuse, {}, std::chrono::milliseconds(300));  // idle: closed quietly
  CHECK_FALSE(r.ok);
  CHECK(r.error.empty());
}

#pragma once
// The first bytes of a connection on a listener with the PROXY protocol on
// (rtmp.proxy_protocol, http.proxy_protocol): a peer in the trusted set
// (http.trusted_proxies) must start with a valid PROXY header, and the client
// it names is the connection's client from then on; any other peer must not
// send one (it would be spoofing its address) and is its own client. Runs
// before the session exists, under one deadline; the bytes read past the
// header are handed to the session, which treats them as already received.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace tidecast::core {

struct PrefaceResult {
  bool ok = false;
  boost::asio::ip::tcp::endpoint client;  // the peer, or the client a trusted proxy named (unmapped)
  std::string preread;                    // bytes after the header: the start of the session's protocol
  // When !ok: why, for the log ("" when the peer just went away without a byte).
  std::string error;
};

class ProxyPreface : public std::enable_shared_from_this<ProxyPreface> {
 public:
  enum class Mode {
    require,  // a trusted proxy: a valid header first
    refuse,   // anyone else: no header at all
  };
  using Done = std::function<void(boost::asio::ip::tcp::socket, PrefaceResult)>;

  // Reads on the socket's executor; `done` gets the socket back (to close on failure).
  static void run(boost::asio::ip::tcp::socket socket, boost::asio::ip::tcp::endpoint peer, Mode mode,
                  std::chrono::steady_clock::duration timeout, Done done);

  ProxyPreface(boost::asio::ip::tcp::socket socket, boost::asio::ip::tcp::endpoint peer, Mode mode, Done done);

 private:
  void start(std::chrono::steady_clock::duration timeout);
  void read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void finish(PrefaceResult result);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint peer_;
  Mode mode_;
  Done done_;
  boost::asio::steady_timer timer_;
  std::string data_;
  std::array<char, 2048> chunk_{};
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace tidecast::core

#pragma once
// A blocking HTTP/1.1 client over a real TCP socket for integration tests,
// plus raw-socket access for misbehaving-client tests.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace tidecast::test {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);
  // Sends a request on this connection (keep-alive) and reads the reply.
  HttpReply request(const std::string& method, const std::string& target, const std::string& body = {},
                    const std::map<std::string, std::string>& headers = {});
  // Sends raw bytes and reads one reply; throws if the server closes first.
  HttpReply raw(const std::string& bytes);
  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  HttpReply read_reply(bool head);

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// One-shot GET on a fresh connection.
HttpReply http_get(std::uint16_t port, const std::string& target,
                   const std::map<std::string, std::string>& headers = {});

}  // namespace tidecast::test

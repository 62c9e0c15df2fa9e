#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <cctype>

namespace tidecast::test {

namespace net = boost::asio;
namespace http = boost::beast::http;

HttpClient::HttpClient(std::uint16_t port) : socket_(ioc_) {
  socket_.connect({net::ip::make_address("127.0.0.1"), port});
}

HttpReply HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                              const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(socket_, req);
  return read_reply(method == "HEAD");
}

HttpReply HttpClient::raw(const std::string& bytes) {
  net::write(socket_, net::buffer(bytes));
  return read_reply(false);
}

HttpReply HttpClient::read_reply(bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  parser.skip(head);
  http::read(socket_, buffer_, parser);
  const auto& res = parser.get();
  HttpReply reply;
  reply.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = res.body();
  return reply;
}

HttpReply http_get(std::uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers) {
  HttpClient client(port);
  return client.request("GET", target, {}, headers);
}

}  // namespace tidecast::test

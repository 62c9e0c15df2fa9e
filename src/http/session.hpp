#pragma once
// Internal to the HTTP server: the shared state and one connection's session.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <memory>

#include "core/session_registry.hpp"
#include <optional>

#include "http/server.hpp"

namespace tidecast::http {

class Session;

struct HttpServer::Shared {
  core::Logger& log;
  ServerLimits limits;
  RequestHandler handler;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  core::SessionRegistry<Session> sessions;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared);
  ~Session();
  void run();
  // Called from any thread; the session closes once it is not mid-response.
  void request_close();

 private:
  void wait_for_request();
  void read_request();
  void on_read(boost::beast::error_code ec);
  void reply_and_close(Status status, std::string_view code, std::string_view message);
  void write(Response response);
  void on_write(boost::beast::error_code ec, bool keep_alive);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<HttpServer::Shared> shared_;
  ClientInfo client_;
  std::uint64_t id_ = 0;
  bool first_request_ = true;
  bool writing_ = false;
  bool closing_ = false;
  Response response_;  // the one write in flight
};

}  // namespace tidecast::http

#include "cluster/pull_client.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "cluster/node_url.hpp"
#include "core/clock.hpp"

namespace tidecast::cluster {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// One fetch: resolve → connect → write → read, on its own strand, with one
// deadline for the whole exchange.
class Fetch : public std::enable_shared_from_this<Fetch> {
 public:
  Fetch(net::io_context& ioc, http::request<http::empty_body> request, HostPort where, PullClient::Options options,
        std::function<void(PullResult)> done)
      : resolver_(net::make_strand(ioc)),
        stream_(resolver_.get_executor()),
        request_(std::move(request)),
        where_(std::move(where)),
        options_(options),
        done_(std::move(done)) {
    parser_.body_limit(options_.max_body_bytes);
  }

  void start() {
    stream_.expires_after(options_.timeout);
    resolver_.async_resolve(where_.host, where_.port,
                            [self = shared_from_this()](beast::error_code ec, net::ip::tcp::resolver::results_type r) {
                              if (ec) return self->fail("resolve", ec);
                              self->stream_.async_connect(r, [self](beast::error_code ec, const auto&) {
                                if (ec) return self->fail("connect", ec);
                                self->write();
                              });
                            });
  }

 private:
  void write() {
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write", ec);
      http::async_read(self->stream_, self->buffer_, self->parser_,
                       [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail("read", ec);
    auto response = parser_.release();
    PullResult result;
    result.status = static_cast<int>(response.result_int());
    result.content_type = std::string(response[http::field::content_type]);
    result.cache_control = std::string(response[http::field::cache_control]);
    result.etag = std::string(response[http::field::etag]);
    result.body = std::move(response.body());
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    finish(std::move(result));
  }

  void fail(std::string_view step, beast::error_code ec) {
    PullResult result;
    result.error = fmt::format("{} {}:{}: {}", step, where_.host, where_.port, ec.message());
    finish(std::move(result));
  }

  void finish(PullResult result) {
    if (auto done = std::exchange(done_, nullptr)) done(std::move(result));
  }

  net::ip::tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::string_body> parser_;
  HostPort where_;
  PullClient::Options options_;
  std::function<void(PullResult)> done_;
};

}  // namespace

void PullClient::get(const std::string& base_url, const std::string& target, std::function<void(PullResult)> done,
                     std::chrono::milliseconds timeout) {
  const auto where = parse_node_url(base_url);
  if (!where) {
    PullResult result;
    result.error = fmt::format("not an http:// URL: \"{}\"", base_url);
    return done(std::move(result));
  }
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, fmt::format("{}:{}", where->host, where->port));
  request.set(http::field::connection, "close");
  request.set(kClusterHeader, auth_.sign("GET", target, core::unix_now_ms() / 1000));
  Options options = options_;
  if (timeout.count() > 0) options.timeout = timeout;
  std::make_shared<Fetch>(ioc_, std::move(request), *where, options, std::move(done))->start();
}

}  // namespace tidecast::cluster

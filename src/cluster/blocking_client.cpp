#include "cluster/blocking_client.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fstream>
#include <optional>

#include "cluster/node_url.hpp"
#include "core/clock.hpp"

namespace tidecast::cluster {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

// Sends `request` and reads the answer, all within `timeout`.
template <class Body>
BlockingResult exchange(const HostPort& where, bhttp::request<Body>& request, const BlockingClient::Options& options,
                        std::string* content_range = nullptr) {
  BlockingResult result;
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_body_bytes);
  std::string step = "resolve";
  beast::error_code failure;
  auto fail = [&](std::string_view at, beast::error_code ec) {
    step = at;
    failure = ec;
  };
  stream.expires_after(options.timeout);
  resolver.async_resolve(where.host, where.port, [&](beast::error_code ec, net::ip::tcp::resolver::results_type r) {
    if (ec) return fail("resolve", ec);
    stream.async_connect(r, [&](beast::error_code ec, const auto&) {
      if (ec) return fail("connect", ec);
      bhttp::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
        if (ec) return fail("write", ec);
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
          if (ec) return fail("read", ec);
          result.status = static_cast<int>(parser.get().result_int());
          if (content_range) *content_range = std::string(parser.get()[bhttp::field::content_range]);
          result.body = std::move(parser.get().body());
        });
      });
    });
  });
  ioc.run();
  if (failure) {
    result.status = 0;
    result.error = fmt::format("{} {}:{}: {}", step, where.host, where.port, failure.message());
  }
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  return result;
}

template <class Body>
void prepare(bhttp::request<Body>& request, const HostPort& where, const ClusterAuth& auth) {
  request.set(bhttp::field::host, fmt::format("{}:{}", where.host, where.port));
  request.set(bhttp::field::connection, "close");
  request.set(kClusterHeader, auth.sign(std::string(request.method_string()), std::string(request.target()),
                                        core::unix_now_ms() / 1000));
}

BlockingResult bad_url(const std::string& base_url) {
  BlockingResult result;
  result.error = fmt::format("not an http:// URL: \"{}\"", base_url);
  return result;
}

}  // namespace

BlockingResult BlockingClient::call(const std::string& method, const std::string& base_url, const std::string& target,
                                    const std::string& body, const std::string& content_type) {
  const auto where = parse_node_url(base_url);
  if (!where) return bad_url(base_url);
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
  prepare(request, *where, auth_);
  if (!content_type.empty()) request.set(bhttp::field::content_type, content_type);
  request.body() = body;
  request.prepare_payload();
  return exchange(*where, request, options_);
}

BlockingResult BlockingClient::put_file(const std::string& base_url, const std::string& target,
                                        const std::filesystem::path& file) {
  const auto where = parse_node_url(base_url);
  if (!where) return bad_url(base_url);
  bhttp::request<bhttp::file_body> request{bhttp::verb::put, target, 11};
  prepare(request, *where, auth_);
  beast::error_code ec;
  request.body().open(file.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    BlockingResult result;
    result.error = fmt::format("open {}: {}", file.string(), ec.message());
    return result;
  }
  request.set(bhttp::field::content_type, "application/octet-stream");
  request.prepare_payload();
  // A large file gets longer: the deadline assumes at least 10 MB/s.
  Options file_options = options_;
  file_options.timeout += std::chrono::milliseconds(request.body().size() / 10'000);
  return exchange(*where, request, file_options);
}

BlockingResult BlockingClient::get_file(const std::string& base_url, const std::string& target,
                                        const std::filesystem::path& file) {
  const auto where = parse_node_url(base_url);
  if (!where) return bad_url(base_url);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  BlockingResult last;
  if (!out) {
    last.error = fmt::format("cannot write {}", file.string());
    return last;
  }
  Options piece_options = options_;
  piece_options.max_body_bytes = options_.piece_bytes + 1;
  for (std::uint64_t offset = 0;;) {
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    prepare(request, *where, auth_);
    request.set(bhttp::field::range, fmt::format("bytes={}-{}", offset, offset + options_.piece_bytes - 1));
    std::string content_range;
    last = exchange(*where, request, piece_options, &content_range);
    if (last.status != 200 && last.status != 206) return last;
    out.write(last.body.data(), static_cast<std::streamsize>(last.body.size()));
    if (!out) {
      last.status = 0;
      last.error = fmt::format("cannot write {}", file.string());
      return last;
    }
    offset += last.body.size();
    // "bytes a-b/total": done at the total; a 200 is the whole file.
    const std::size_t slash = content_range.rfind('/');
    if (last.status == 200 || slash == std::string::npos || last.body.empty()) break;
    std::uint64_t total = 0;
    try {
      total = std::stoull(content_range.substr(slash + 1));
    } catch (const std::exception&) {
      break;  // no total given: take what came as the whole
    }
    if (offset >= total) break;
  }
  last.body.clear();
  return last;
}

}  // namespace tidecast::cluster

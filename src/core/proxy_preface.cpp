#include "core/proxy_preface.hpp"

#include <boost/asio/dispatch.hpp>
#include <span>

#include "core/ip_network.hpp"
#include "core/proxy_protocol.hpp"

namespace tidecast::core {

namespace net = boost::asio;
using tcp = net::ip::tcp;

void ProxyPreface::run(tcp::socket socket, tcp::endpoint peer, Mode mode, std::chrono::steady_clock::duration timeout,
                       Done done) {
  std::make_shared<ProxyPreface>(std::move(socket), peer, mode, std::move(done))->start(timeout);
}

ProxyPreface::ProxyPreface(tcp::socket socket, tcp::endpoint peer, Mode mode, Done done)
    : socket_(std::move(socket)), peer_(peer), mode_(mode), done_(std::move(done)), timer_(socket_.get_executor()) {}

void ProxyPreface::start(std::chrono::steady_clock::duration timeout) {
  timer_.expires_after(timeout);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->finished_) return;
    self->timed_out_ = true;
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);
  });
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->read(); });
}

void ProxyPreface::read() {
  socket_.async_read_some(net::buffer(chunk_), [self = shared_from_this()](boost::system::error_code ec,
                                                                           std::size_t n) { self->on_read(ec, n); });
}

void ProxyPreface::on_read(boost::system::error_code ec, std::size_t bytes) {
  PrefaceResult result;
  if (ec) {
    if (timed_out_ && mode_ == Mode::require) {
      result.error = "no complete PROXY header in time";
    } else if (!data_.empty() && mode_ == Mode::require) {
      result.error = "connection closed inside the PROXY header";
    }
    // Else gone (or idle) without a word, like a port check: nothing to say.
    return finish(std::move(result));
  }
  data_.append(chunk_.data(), bytes);
  const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(data_.data()), data_.size());
  if (mode_ == Mode::refuse) {
    const auto signature = proxy_protocol::match_signature(data);
    if (signature == proxy_protocol::Signature::need_more) return read();
    if (signature != proxy_protocol::Signature::none) {
      result.error = "PROXY header from an address not in http.trusted_proxies";
      return finish(std::move(result));
    }
    result.ok = true;
    result.client = tcp::endpoint(unmapped(peer_.address()), peer_.port());
    result.preread = std::move(data_);
    return finish(std::move(result));
  }
  const auto parsed = proxy_protocol::parse(data);
  switch (parsed.status) {
    case proxy_protocol::ParseResult::Status::need_more:
      return read();
    case proxy_protocol::ParseResult::Status::invalid:
      result.error = parsed.error;
      return finish(std::move(result));
    case proxy_protocol::ParseResult::Status::complete:
      break;
  }
  const tcp::endpoint client = parsed.header.source.value_or(peer_);
  result.ok = true;
  result.client = tcp::endpoint(unmapped(client.address()), client.port());
  result.preread = data_.substr(parsed.header.size);
  finish(std::move(result));
}

void ProxyPreface::finish(PrefaceResult result) {
  finished_ = true;
  timer_.cancel();
  auto done = std::move(done_);
  done(std::move(socket_), std::move(result));
}

}  // namespace tidecast::core

#include "chat/relay.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "core/tcp_acceptor.hpp"

namespace tidecast::chat {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

bool split_http_url(const std::string& url, std::string& host, std::string& port) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  std::string rest = url.substr(kScheme.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) return false;
  host = rest.substr(0, colon);
  port = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return !host.empty();
}

namespace {

template <class Stream>
class RelayConnection : public core::Connection, public std::enable_shared_from_this<RelayConnection<Stream>> {
 public:
  RelayConnection(ChatService& service, std::string url, std::string target, std::map<std::string, std::string> headers,
                  Stream stream, http::Request request, std::shared_ptr<void> hold)
      : service_(service),
        url_(std::move(url)),
        target_(std::move(target)),
        headers_(std::move(headers)),
        down_(std::move(stream)),
        up_(down_.get_executor()),
        resolver_(down_.get_executor()),
        request_(std::move(request)),
        hold_(std::move(hold)) {}

  void run() {
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout = std::chrono::seconds(service_.limits().idle_seconds);
    timeout.keep_alive_pings = true;
    down_.set_option(timeout);
    down_.read_message_max(service_.limits().max_frame_bytes);
    down_.async_accept(request_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->request_ = {};
      self->connect_up();
    });
  }

  void request_close() override {
    net::post(down_.get_executor(), [self = this->shared_from_this()] {
      self->end(websocket::close_reason(websocket::close_code::going_away, "server stopping"),
                websocket::close_reason(websocket::close_code::going_away, "server stopping"));
    });
  }

 private:
  void connect_up() {
    if (!split_http_url(url_, host_, port_)) return fail_up("bad internal URL");
    resolver_.async_resolve(
        host_, port_, [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return self->fail_up(ec.message());
          beast::get_lowest_layer(self->up_).expires_after(std::chrono::seconds(5));
          beast::get_lowest_layer(self->up_).async_connect(
              results, [self](beast::error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail_up(ec.message());
    beast::get_lowest_layer(up_).expires_never();
    core::disable_nagle(beast::get_lowest_layer(up_).socket());  // chat lines: small sends close together
    // Pings both ways: a room node that dies without a FIN (power, partition)
    // is noticed and the viewer reconnects, instead of a silent chat forever.
    websocket::stream_base::timeout up_timeout{};
    up_timeout.handshake_timeout = std::chrono::seconds(10);
    up_timeout.idle_timeout = std::chrono::seconds(service_.limits().idle_seconds);
    up_timeout.keep_alive_pings = true;
    up_.set_option(up_timeout);
    up_.set_option(websocket::stream_base::decorator([headers = headers_](websocket::request_type& request) {
      for (const auto& [name, value] : headers) request.set(name, value);
    }));
    up_.async_handshake(host_ + ":" + port_, target_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail_up(ec.message());
      self->pump_down();
      self->pump_up();
    });
  }

  // Viewer → room node.
  void pump_down() {
    down_.async_read(down_in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->down_ended(ec);
      self->up_.text(self->down_.got_text());
      self->up_.async_write(self->down_in_.data(), [self](beast::error_code ec, std::size_t) {
        if (ec) return self->fail_up(ec.message());
        self->down_in_.consume(self->down_in_.size());
        self->pump_down();
      });
    });
  }

  // Room node → viewer.
  void pump_up() {
    up_.async_read(up_in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (ec == websocket::error::closed) return self->end(self->up_.reason(), {});
        return self->fail_up(ec.message());
      }
      self->down_.text(self->up_.got_text());
      self->down_.async_write(self->up_in_.data(), [self](beast::error_code ec, std::size_t) {
        if (ec) return self->down_ended(ec);
        self->up_in_.consume(self->up_in_.size());
        self->pump_up();
      });
    });
  }

  void down_ended(beast::error_code ec) {
    // The viewer closed (its code goes up), broke a rule Beast enforces (1009,
    // 1007: Beast answered it), or vanished.
    websocket::close_reason reason = ec == websocket::error::closed
                                         ? down_.reason()
                                         : websocket::close_reason(websocket::close_code::going_away, "viewer gone");
    if (!reason.code) reason = websocket::close_reason(websocket::close_code::normal);
    end({}, reason);
  }

  void fail_up(const std::string& why) {
    if (ended_) return;  // our own close cancelled what was pending
    if (const auto held = service_.refusal_log().allow("relay " + url_)) {
      service_.log().warn("chat", "relay to the room's node failed url={} error=\"{}\" suppressed={}", url_, why,
                          *held);
    }
    end(websocket::close_reason(websocket::close_code::service_restart, "chat host unavailable, reconnect"), {});
  }

  // Closes the viewer's side with `to_down` and the room's side with `to_up` (empty: just drop it).
  void end(const websocket::close_reason& to_down, const websocket::close_reason& to_up) {
    if (ended_) return;
    ended_ = true;
    if (down_.is_open() && to_down.code) {
      down_.async_close(to_down, [self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      beast::get_lowest_layer(down_).socket().close(ignored);
    }
    if (up_.is_open() && to_up.code) {
      up_.async_close(to_up, [self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      beast::get_lowest_layer(up_).socket().close(ignored);
    }
  }

  ChatService& service_;
  std::string url_;
  std::string target_;
  std::map<std::string, std::string> headers_;
  websocket::stream<Stream> down_;
  websocket::stream<beast::tcp_stream> up_;
  tcp::resolver resolver_;
  http::Request request_;
  std::shared_ptr<void> hold_;
  std::string host_;
  std::string port_;
  beast::flat_buffer down_in_;
  beast::flat_buffer up_in_;
  bool ended_ = false;
};

template <class Stream>
std::shared_ptr<core::Connection> start_relay(ChatService& service, const std::string& url, const std::string& target,
                                              const std::map<std::string, std::string>& headers, Stream stream,
                                              http::Request request, std::shared_ptr<void> hold) {
  auto relay = std::make_shared<RelayConnection<Stream>>(service, url, target, headers, std::move(stream),
                                                         std::move(request), std::move(hold));
  relay->run();
  return relay;
}

}  // namespace

std::shared_ptr<core::Connection> RelayUpgrade::start(core::PlainStream stream, http::Request request,
                                                      std::shared_ptr<void> hold) {
  return start_relay(service_, url_, target_, headers_, std::move(stream), std::move(request), std::move(hold));
}

std::shared_ptr<core::Connection> RelayUpgrade::start(core::TlsStream stream, http::Request request,
                                                      std::shared_ptr<void> hold) {
  return start_relay(service_, url_, target_, headers_, std::move(stream), std::move(request), std::move(hold));
}

}  // namespace tidecast::chat

#include "chat/connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "core/clock.hpp"

namespace tidecast::chat {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

template <class Stream>
class ChatConnection : public Member,
                       public LoopMember,
                       public core::Connection,
                       public std::enable_shared_from_this<ChatConnection<Stream>> {
 public:
  ChatConnection(ChatService& service, ChannelRef channel, Participant who, Stream stream, http::Request request,
                 std::shared_ptr<void> hold)
      : service_(service),
        channel_(std::move(channel)),
        who_(std::move(who)),
        ws_(std::move(stream)),
        request_(std::move(request)),
        hold_(std::move(hold)),
        queue_(service.limits().queue_frames, service.limits().queue_bytes),
        tokens_(service.limits().frame_burst),
        inbox_(service.inboxes().for_loop(ws_.get_executor())) {}

  void run() {
    const ChatLimits& limits = service_.limits();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout = std::chrono::seconds(limits.idle_seconds);
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(limits.max_frame_bytes);
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(beast::http::field::server, "Tidecast"); }));
    ws_.async_accept(request_, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  // Any thread: one post per loop for a whole broadcast (loop_inbox.hpp).
  void deliver(Frame frame) override { inbox_->add(this->shared_from_this(), std::move(frame)); }
  void take_on_loop(Frame frame) override { enqueue(std::move(frame)); }

  // Any thread: the room moved to another node; the client reconnects and is routed there.
  void evict() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->close_with(websocket::close_code::service_restart, "chat room moved, reconnect");
    });
  }

  // Any thread: server stop.
  void request_close() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->close_with(websocket::close_code::going_away, "server stopping");
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    // Not a usable handshake (Beast answered it), or told to close meanwhile (server stop).
    if (ec || closing_) return finish();
    request_ = {};  // not needed any more
    try {
      auto [room, hello] = service_.join(channel_, this->shared_from_this(), who_);
      room_ = std::move(room);
      enqueue(std::move(hello));
    } catch (const std::exception&) {  // the catalog is unavailable: this member only, never the loop
      refused("join_failed");
      return close_with(websocket::close_code::internal_error, "chat unavailable, try again");
    }
    read();
  }

  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::message_too_big || ec == websocket::error::bad_frame_payload) {
        refused(ec == websocket::error::message_too_big ? "frame_too_big" : "bad_utf8");
      }
      return finish();  // Beast has sent the close frame for protocol errors
    }
    // A frame that arrived after our close started: Beast's close reads on by itself.
    if (closing_ || !room_) return;
    const std::string frame = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    if (!take_token()) {
      refused("flood");
      return close_with(websocket::close_code::policy_error, "too many messages");
    }
    if (!ws_.got_text()) {
      refused("binary");
      return close_with(websocket::close_code::unknown_data, "text messages only");
    }
    auto parsed = parse_command(frame, service_.limits().max_message_chars);
    if (auto* error = std::get_if<ProtocolError>(&parsed)) {
      ++service_.counters().refused;
      enqueue(std::make_shared<const std::string>(serialize_error(error->code, error->message)));
    } else {
      service_.handle(room_, this->shared_from_this(), who_, std::move(std::get<Command>(parsed)));
    }
    if (!closing_) read();
  }

  // A token bucket over every frame the client sends, valid or not.
  bool take_token() {
    const ChatLimits& limits = service_.limits();
    const std::int64_t now = core::unix_now_ms();
    if (last_refill_ms_ != 0) {
      tokens_ = std::min<double>(
          limits.frame_burst, tokens_ + static_cast<double>(now - last_refill_ms_) * limits.frames_per_second / 1000.0);
    }
    last_refill_ms_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  void enqueue(Frame frame) {
    if (closing_) return;
    if (writing_ && core::unix_now_ms() - write_started_ms_ > service_.limits().write_stall_seconds * 1000LL) {
      return drop("write stalled");
    }
    if (!queue_.push(std::move(frame))) return drop("queue full");
    if (!writing_) write();
  }

  void write() {
    writing_ = true;
    write_started_ms_ = core::unix_now_ms();
    // Held here until the write completes: a drop may clear the queue meanwhile.
    in_flight_ = queue_.front();
    queue_.pop();
    ws_.text(true);
    ws_.async_write(net::buffer(*in_flight_),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    in_flight_.reset();
    if (ec) return finish();
    if (!queue_.empty() && !closing_) write();
  }

  // A member that cannot keep up: cut it off without waiting for it.
  void drop(const char* why) {
    ++service_.counters().dropped_slow;
    if (const auto held = service_.refusal_log().allow("slow " + who_.address)) {
      service_.log().info("chat", "dropped slow member channel={} remote={} reason=\"{}\" queued={} suppressed={}",
                          channel_.name, who_.address, why, queue_.size(), *held);
    }
    closing_ = true;
    queue_.clear();
    beast::get_lowest_layer(ws_).close();
    finish();
  }

  void close_with(websocket::close_code code, const char* reason) {
    if (closing_) return;
    finish();  // out of the room at once, not once the peer answers the close
    ws_.async_close(websocket::close_reason(code, reason), [self = this->shared_from_this()](beast::error_code) {});
  }

  void refused(const char* kind) {
    ++service_.counters().closed_abuse;
    if (const auto held = service_.refusal_log().allow(std::string(kind) + " " + who_.address)) {
      service_.log().info("chat", "refused channel={} remote={} reason={} suppressed={}", channel_.name, who_.address,
                          kind, *held);
    }
  }

  // Leaves the room (once); the connection goes when the last handler lets go of it.
  void finish() {
    closing_ = true;
    if (room_) {
      service_.leave(room_, this);
      room_.reset();
    }
  }

  ChatService& service_;
  ChannelRef channel_;
  Participant who_;
  websocket::stream<Stream> ws_;
  http::Request request_;
  std::shared_ptr<void> hold_;
  std::shared_ptr<Room> room_;
  OutboundQueue queue_;
  Frame in_flight_;  // the frame being written
  beast::flat_buffer in_;
  bool writing_ = false;
  bool closing_ = false;
  std::int64_t write_started_ms_ = 0;
  double tokens_;
  std::int64_t last_refill_ms_ = 0;
  std::shared_ptr<LoopInbox> inbox_;
};

template <class Stream>
std::shared_ptr<core::Connection> start_connection(ChatService& service, const ChannelRef& channel,
                                                   const Participant& who, Stream stream, http::Request request,
                                                   std::shared_ptr<void> hold) {
  auto connection = std::make_shared<ChatConnection<Stream>>(service, channel, who, std::move(stream),
                                                             std::move(request), std::move(hold));
  connection->run();
  return connection;
}

}  // namespace

std::shared_ptr<core::Connection> ChatUpgrade::start(core::PlainStream stream, http::Request request,
                                                     std::shared_ptr<void> hold) {
  return start_connection(service_, channel_, who_, std::move(stream), std::move(request), std::move(hold));
}

std::shared_ptr<core::Connection> ChatUpgrade::start(core::TlsStream stream, http::Request request,
                                                     std::shared_ptr<void> hold) {
  return start_connection(service_, channel_, who_, std::move(stream), std::move(request), std::move(hold));
}

}  // namespace tidecast::chat

#include "rtmp/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "rtmp/control.hpp"
#include "rtmp/protocol_error.hpp"

namespace tidecast::rtmp {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr std::uint32_t kWindowAckSize = 5'000'000;
constexpr std::uint32_t kOutChunkSize = 4096;
constexpr std::uint32_t kPublishStreamId = 1;
// A publisher only receives small control replies; a peer that lets this
// much pile up is not reading and gets disconnected.
constexpr std::size_t kMaxQueuedOutBytes = 1024 * 1024;

// "live", "live/", "live?x=1" -> "live"
std::string clean_app(std::string app) {
  app = app.substr(0, app.find('?'));
  while (!app.empty() && app.back() == '/') app.pop_back();
  return app;
}

std::string strip_query(const std::string& name) {
  return name.substr(0, name.find('?'));
}

}  // namespace

template <class Stream>
Session<Stream>::Session(net::ip::tcp::socket socket, const net::ip::tcp::endpoint& client, std::string preread,
                         std::shared_ptr<Server::Shared> shared, std::shared_ptr<net::ssl::context> tls)
    : tls_(std::move(tls)),
      stream_(core::open_stream<Stream>(std::move(socket), tls_.get())),
      shared_(std::move(shared)),
      remote_(client.address().to_string() + ":" + std::to_string(client.port())),
      preread_(std::move(preread)),
      reader_(shared_->limits.max_message_bytes, shared_->limits.max_chunk_bytes) {
  ++shared_->connections;
  shared_->metrics.connections.inc();
}

template <class Stream>
Session<Stream>::~Session() {
  --shared_->connections;
  if (publisher_) --shared_->publishers;
  shared_->sessions.remove(id_);
}

template <class Stream>
void Session<Stream>::start() {
  id_ = shared_->sessions.add(this->weak_from_this());
  handshake_deadline_ =
      std::chrono::steady_clock::now() + std::chrono::seconds(shared_->limits.handshake_timeout_seconds);
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      // The TLS handshake counts against the same deadline as RTMP's own.
      self->tcp().expires_at(self->handshake_deadline_);
      // Bytes read with the PROXY header are the start of the TLS handshake.
      // Variadic: Boost 1.74 constrains the buffered overload's handler as
      // void(error_code) but calls it with (error_code, bytes used).
      self->stream_.async_handshake(net::ssl::stream_base::server, net::buffer(self->preread_),
                                    [self](beast::error_code ec, auto&&...) { self->on_tls_handshake(ec); });
    } else {
      self->on_preread();
    }
  });
}

template <class Stream>
void Session<Stream>::on_tls_handshake(beast::error_code ec) {
  preread_ = {};  // consumed by the handshake
  if (ec) {
    if (ec == beast::error::timeout) shared_->metrics.timeouts.inc();
    shared_->log.info("rtmp", "tls handshake failed remote={} error=\"{}\"", remote_, ec.message());
    return close();
  }
  read();
}

template <class Stream>
void Session<Stream>::request_close() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] {
    self->end_publish("server stopping");
    self->close();
  });
}

template <class Stream>
void Session<Stream>::read() {
  if (closing_) return;
  // The handshake has one absolute deadline; afterwards each read must come
  // within the idle timeout.
  if (handshake_.done()) {
    tcp().expires_after(std::chrono::seconds(shared_->limits.idle_timeout_seconds));
  } else {
    tcp().expires_at(handshake_deadline_);
  }
  stream_.async_read_some(
      net::buffer(read_buffer_),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

// Bytes read with the PROXY header go through on_read as if just received.
template <class Stream>
void Session<Stream>::on_preread() {
  if (preread_.empty()) return read();
  const std::size_t n = std::min(preread_.size(), read_buffer_.size());  // at most 1 KiB + one read: always fits
  std::copy_n(preread_.begin(), n, read_buffer_.begin());
  preread_.clear();
  on_read({}, n);
}

template <class Stream>
void Session<Stream>::on_read(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    if (ec == beast::error::timeout) {
      shared_->metrics.timeouts.inc();
      fail(handshake_.done() ? "idle timeout" : "handshake timeout");
    } else {
      if (publisher_)
        shared_->log.info("rtmp", "publisher disconnected channel={} remote={}", publisher_->channel(), remote_);
      end_publish("connection closed");
      close();
    }
    return;
  }
  bytes_in_ += bytes;
  shared_->metrics.bytes_received.inc(bytes);
  try {
    handling_read_ = true;
    process(std::span<const std::uint8_t>(read_buffer_.data(), bytes));
    handling_read_ = false;
    flush();
  } catch (const ProtocolError& e) {
    shared_->metrics.protocol_errors.inc();
    return fail(e.what());
  } catch (const std::exception& e) {
    shared_->metrics.protocol_errors.inc();
    return fail(std::string("rtmp: ") + e.what());
  }
  if (!closing_) read();
}

template <class Stream>
void Session<Stream>::process(std::span<const std::uint8_t> bytes) {
  if (!handshake_.done()) {
    const std::size_t used = handshake_.consume(bytes);
    const auto reply = handshake_.take_output();
    pending_.insert(pending_.end(), reply.begin(), reply.end());
    bytes = bytes.subspan(used);
    if (!handshake_.done()) return;
  }
  if (bytes.empty()) return;
  reader_.feed(bytes);
  while (auto message = reader_.next()) {
    handle(*message);
    if (closing_) return;
  }
  flush_packets();
  // Acknowledge as the peer asked (its Window Acknowledgement Size).
  if (peer_window_ > 0 && bytes_in_ - acked_at_ >= peer_window_) {
    acked_at_ = bytes_in_;
    send(acknowledgement(static_cast<std::uint32_t>(bytes_in_)));
  }
}

template <class Stream>
void Session<Stream>::handle(Message& message) {
  namespace type = message_type;
  switch (message.type_id) {
    case type::window_ack_size:
      peer_window_ = parse_u32_control(message);
      break;
    case type::user_control: {
      const auto event = parse_user_control(message);
      if (event.type == user_control_event::ping_request)
        send(user_control(user_control_event::ping_response, event.value));
      break;
    }
    case type::command_amf0:
      handle_command(message, message.payload);
      break;
    case type::command_amf3:  // AMF3 envelope: one format byte, then AMF0
      if (!message.payload.empty()) handle_command(message, std::span(message.payload).subspan(1));
      break;
    case type::data_amf0:
      handle_data(message.payload);
      break;
    case type::data_amf3:
      if (!message.payload.empty()) handle_data(std::span(message.payload).subspan(1));
      break;
    case type::audio:
    case type::video:
      handle_media(message);
      break;
    case type::aggregate:
      handle_aggregate(message);
      break;
    default:
      break;  // acknowledgements, peer bandwidth, shared objects: nothing to do
  }
}

template <class Stream>
void Session<Stream>::handle_command(const Message& message, std::span<const std::uint8_t> amf) {
  const std::vector<AmfValue> args = amf0_decode_all(amf);
  if (args.empty() || !args[0].is_string()) throw ProtocolError("rtmp command: missing command name");
  const std::string& name = args[0].as_string();
  const double transaction = args.size() > 1 && args[1].is_number() ? args[1].as_number() : 0;

  if (name == "connect") return on_connect(transaction, args);
  if (name == "createStream") {
    return send(command(0, {"_result", transaction, AmfValue::null(), static_cast<double>(kPublishStreamId)}));
  }
  if (name == "releaseStream" || name == "FCPublish") {
    return send(command(0, {"_result", transaction, AmfValue::null(), AmfValue::undefined()}));
  }
  if (name == "publish") return on_publish(transaction, message.stream_id, args);
  if (name == "FCUnpublish" || name == "deleteStream" || name == "closeStream") {
    if (publisher_) publisher_->finish();
    return end_publish(name);
  }
  if (name == "play") {
    send_status(message.stream_id, "error", "NetStream.Play.Failed",
                "playback over RTMP is not offered; use HLS or DASH");
    return fail("client asked to play; only publishing is supported");
  }
  // getStreamLength, _checkbw, ...: harmless to ignore.
}

template <class Stream>
void Session<Stream>::on_connect(double transaction, const std::vector<AmfValue>& args) {
  const AmfValue* app = args.size() > 2 ? args[2].get("app") : nullptr;
  app_ = clean_app(app && app->is_string() ? app->as_string() : "");
  send(window_ack_size(kWindowAckSize));
  send(set_peer_bandwidth(kWindowAckSize, 2));
  send(set_chunk_size(kOutChunkSize));
  writer_.set_chunk_size(kOutChunkSize);
  if (app_ != "live") {
    send(command(0,
                 {"_error", transaction, AmfValue::null(),
                  AmfValue::object({{"level", "error"},
                                    {"code", "NetConnection.Connect.Rejected"},
                                    {"description", "unknown application; publish to rtmp://HOST/live/STREAM-KEY"}})}));
    return fail("connect to unknown app \"" + app_.substr(0, 64) + "\"");
  }
  send(command(0, {"_result", transaction,
                   AmfValue::object({{"fmsVer", "FMS/3,5,7,7009"}, {"capabilities", 31.0}, {"mode", 1.0}}),
                   AmfValue::object({{"level", "status"},
                                     {"code", "NetConnection.Connect.Success"},
                                     {"description", "Connection succeeded."},
                                     {"objectEncoding", 0.0}})}));
}

template <class Stream>
void Session<Stream>::on_publish(double, std::uint32_t stream_id, const std::vector<AmfValue>& args) {
  const std::uint32_t reply_stream = stream_id ? stream_id : kPublishStreamId;
  if (publisher_) {
    send_status(reply_stream, "error", "NetStream.Publish.BadName", "already publishing on this connection");
    return fail("second publish on one connection");
  }
  const std::string key = args.size() > 3 && args[3].is_string() ? strip_query(args[3].as_string()) : "";
  if (shared_->publishers.load() >= shared_->limits.max_publishers) {
    shared_->metrics.publish_refused.inc();
    send_status(reply_stream, "error", "NetStream.Publish.Denied", "server is at its publisher limit");
    return fail("publisher limit reached");
  }
  PublishDecision decision = shared_->gateway.begin_publish({app_, key, remote_});
  if (!decision.publisher) {
    shared_->metrics.publish_refused.inc();
    send_status(reply_stream, "error",
                decision.status_code.empty() ? "NetStream.Publish.BadName" : decision.status_code, decision.reason);
    return fail("publish refused: " + decision.reason);
  }
  publisher_ = std::move(decision.publisher);
  ++shared_->publishers;
  publish_stream_id_ = reply_stream;
  publish_started_ = std::chrono::steady_clock::now();
  send(user_control(user_control_event::stream_begin, reply_stream));
  send_status(reply_stream, "status", "NetStream.Publish.Start", "publishing");
  shared_->log.info("rtmp", "publish started channel={} remote={}", publisher_->channel(), remote_);
}

template <class Stream>
void Session<Stream>::end_publish(std::string_view why) {
  if (!publisher_) return;
  flush_packets();  // media parsed before the end still goes out
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - publish_started_).count();
  shared_->log.info("rtmp", "publish ended channel={} reason=\"{}\" seconds={:.1f} bytes={}", publisher_->channel(),
                    why, seconds, bytes_in_);
  publisher_.reset();
  --shared_->publishers;
}

template <class Stream>
void Session<Stream>::handle_data(std::span<const std::uint8_t> amf) {
  const std::vector<AmfValue> args = amf0_decode_all(amf);
  // "@setDataFrame", "onMetaData", {...}  or  "onMetaData", {...}
  std::size_t at = 0;
  if (!args.empty() && args[0].is_string() && args[0].as_string() == "@setDataFrame") at = 1;
  if (args.size() > at + 1 && args[at].is_string() && args[at].as_string() == "onMetaData") {
    ingest_.on_metadata(args[at + 1]);
  }
}

template <class Stream>
void Session<Stream>::handle_media(Message& message) {
  if (!publisher_) return;  // media before publish: ignore, like other servers
  // The payload's buffer becomes the packet's data (ingest.hpp).
  IngestOutput output = message.type_id == message_type::video
                            ? ingest_.on_video(message.timestamp, std::move(message.payload))
                            : ingest_.on_audio(message.timestamp, std::move(message.payload));
  forward(std::move(output));
}

template <class Stream>
void Session<Stream>::handle_aggregate(const Message& message) {
  // FLV tags back to back: type(1) size(3) timestamp(3+1) stream(3) body previous-size(4).
  const auto& p = message.payload;
  std::size_t at = 0;
  std::int64_t first_ts = -1;
  while (at + 11 <= p.size()) {
    const std::uint8_t type = p[at] & 0x1f;
    const std::size_t size = (std::size_t{p[at + 1]} << 16) | (std::size_t{p[at + 2]} << 8) | p[at + 3];
    const std::uint32_t ts = (std::uint32_t{p[at + 7]} << 24) | (std::uint32_t{p[at + 4]} << 16) |
                             (std::uint32_t{p[at + 5]} << 8) | p[at + 6];
    if (at + 11 + size > p.size()) throw ProtocolError("rtmp aggregate: truncated sub-message");
    if (first_ts < 0) first_ts = ts;
    Message sub{type,
                static_cast<std::uint32_t>(message.timestamp + (ts - first_ts)),
                message.stream_id,
                message.chunk_stream_id,
                {p.begin() + static_cast<long>(at + 11), p.begin() + static_cast<long>(at + 11 + size)}};
    if (type == message_type::audio || type == message_type::video) handle_media(sub);
    at += 11 + size + 4;
  }
}

template <class Stream>
void Session<Stream>::forward(IngestOutput output) {
  if (!output.error.empty()) {
    shared_->metrics.unsupported_codec.inc();
    send_status(publish_stream_id_, "error", "NetStream.Publish.Failed", output.error);
    return fail(output.error);
  }
  if (!output.notice.empty()) {
    shared_->log.warn("rtmp", "{} channel={} remote={}", output.notice, publisher_->channel(), remote_);
  }
  if (output.info) {
    flush_packets();  // packets of the old description go first
    publisher_->on_stream_info(*output.info);
  }
  for (auto& packet : output.packets) batch_.push_back(std::move(packet));
}

template <class Stream>
void Session<Stream>::flush_packets() {
  if (batch_.empty() || !publisher_) return;
  publisher_->on_packets(batch_);
  batch_.clear();
}

template <class Stream>
void Session<Stream>::send(const Message& message) {
  writer_.write(message, pending_);
  if (pending_.size() + in_flight_.size() > kMaxQueuedOutBytes) return fail("peer is not reading its replies");
  if (!handling_read_) flush();
}

template <class Stream>
void Session<Stream>::send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                                  std::string_view text) {
  Message status =
      command(stream_id,
              {"onStatus", 0.0, AmfValue::null(),
               AmfValue::object(
                   {{"level", std::string(level)}, {"code", std::string(code)}, {"description", std::string(text)}})});
  send(status);
}

template <class Stream>
void Session<Stream>::flush() {
  if (writing_ || pending_.empty()) return;
  writing_ = true;
  std::swap(in_flight_, pending_);
  tcp().expires_after(std::chrono::seconds(shared_->limits.idle_timeout_seconds));
  net::async_write(stream_, net::buffer(in_flight_),
                   [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                     self->writing_ = false;
                     self->in_flight_.clear();
                     if (ec) {
                       self->end_publish("write failed");
                       return self->close();
                     }
                     if (!self->pending_.empty()) return self->flush();
                     // A refused client gets its error status before the socket closes.
                     if (self->closing_) self->close();
                   });
}

template <class Stream>
void Session<Stream>::fail(std::string_view reason) {
  shared_->log.warn("rtmp", "session closed remote={} reason=\"{}\"", remote_, reason);
  end_publish(reason);
  closing_ = true;
  handling_read_ = false;
  flush();  // the replies so far, a refusal's status among them, go out before the close
  if (!writing_) close();
}

template <class Stream>
void Session<Stream>::close() {
  closing_ = true;
  beast::error_code ignored;
  socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

template class Session<core::PlainStream>;
template class Session<core::TlsStream>;

}  // namespace tidecast::rtmp

#pragma once
// Internal to the RTMP server: one TCP connection, from handshake to unpublish,
// as plain RTMP or as RTMPS (RTMP inside TLS; the stream type is the only difference).
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "core/connection_stream.hpp"
#include "core/session_registry.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/chunk_reader.hpp"
#include "rtmp/chunk_writer.hpp"
#include "rtmp/handshake.hpp"
#include "rtmp/ingest.hpp"
#include "rtmp/message.hpp"
#include "rtmp/server.hpp"

namespace tidecast::rtmp {

struct Server::Shared {
  core::Logger& log;
  ServerLimits limits;
  PublishGateway& gateway;
  ServerMetrics& metrics;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> publishers{0};
  core::SessionRegistry<core::Connection> sessions;
};

// Stream is core::PlainStream (RTMP) or core::TlsStream (RTMPS).
template <class Stream>
class Session : public core::Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = core::is_tls_stream<Stream>;

  // `tls` is the certificate context for RTMPS sessions, null for plain ones.
  // `client` is the peer or the client its PROXY header named; `preread` the
  // bytes already read after that header.
  Session(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& client, std::string preread,
          std::shared_ptr<Server::Shared> shared, std::shared_ptr<boost::asio::ssl::context> tls);
  ~Session() override;
  void start();
  void request_close() override;

 private:
  boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  void on_tls_handshake(boost::beast::error_code ec);
  void read();
  void on_preread();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void process(std::span<const std::uint8_t> bytes);
  void handle(Message& message);
  void handle_command(const Message& message, std::span<const std::uint8_t> amf);
  void handle_data(std::span<const std::uint8_t> amf);
  void handle_media(Message& message);  // takes the payload
  void handle_aggregate(const Message& message);
  void on_connect(double transaction, const std::vector<AmfValue>& args);
  void on_publish(double transaction, std::uint32_t stream_id, const std::vector<AmfValue>& args);
  void end_publish(std::string_view why);
  void forward(IngestOutput output);
  void flush_packets();  // hands the batch of this read to the publisher

  void send(const Message& message);
  void send_status(std::uint32_t stream_id, std::string_view level, std::string_view code, std::string_view text);
  void flush();
  void fail(std::string_view reason);  // one log line, then close
  void close();

  std::shared_ptr<boost::asio::ssl::context> tls_;  // outlives stream_, which refers to it
  Stream stream_;
  std::shared_ptr<Server::Shared> shared_;
  std::uint64_t id_ = 0;
  std::string remote_;
  std::string preread_;  // consumed before the first read
  std::array<std::uint8_t, 64 * 1024> read_buffer_{};  // a busy server reads more per wake-up
  std::chrono::steady_clock::time_point handshake_deadline_;

  HandshakeServer handshake_;
  ChunkReader reader_;
  ChunkWriter writer_;
  IngestAssembler ingest_;

  // Replies queue in pending_ and go out together: one write in flight
  // (in_flight_), and the replies to one read leave in one send.
  std::vector<std::uint8_t> pending_;
  std::vector<std::uint8_t> in_flight_;
  bool writing_ = false;
  bool handling_read_ = false;
  bool closing_ = false;

  std::string app_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t acked_at_ = 0;
  std::uint32_t peer_window_ = 0;
  std::unique_ptr<Publisher> publisher_;
  std::vector<media::PacketPtr> batch_;  // packets of the current read, not yet handed over
  std::uint32_t publish_stream_id_ = 0;
  std::chrono::steady_clock::time_point publish_started_;
};

using PlainSession = Session<core::PlainStream>;
using TlsSession = Session<core::TlsStream>;

}  // namespace tidecast::rtmp

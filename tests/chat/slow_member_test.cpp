// A chat member over a real socket whose client never reads: its queue fills
// behind the kernel's buffers and it is dropped, while the room goes on.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/field.hpp>
#include <chrono>
#include <thread>

#include "chat/connection.hpp"
#include "support/captured_log.hpp"

using namespace tidecast::chat;
namespace net = boost::asio;

namespace {

struct NullStore : ChatStore {
  ChatMessage add(std::int64_t, ChatMessage message, const std::optional<std::string>&) override { return message; }
  bool remove(std::int64_t, std::int64_t) override { return false; }
  std::optional<ChatMessage> find(std::int64_t, std::int64_t) override { return std::nullopt; }
  std::vector<ChatMessage> recent(std::int64_t, std::size_t) override { return {}; }
  std::vector<ChatMessage> replay(const std::string&) override { return {}; }
  RoomSettings settings(std::int64_t) override { return {}; }
  void save_settings(std::int64_t, const RoomSettings&) override {}
  std::vector<Ban> bans(std::int64_t, std::int64_t) override { return {}; }
  void add_ban(std::int64_t, const Ban&) override {}
  void lift_bans(std::int64_t, const std::optional<std::int64_t>&, const std::string&) override {}
  std::optional<Ban> lift_ban(std::int64_t, std::int64_t) override { return std::nullopt; }
};
struct NoClock : StreamClock {
  std::optional<StreamPosition> position(const std::string&) override { return std::nullopt; }
};
struct Counter : Member {
  std::atomic<int> got{0};
  void deliver(Frame) override { ++got; }
};

}  // namespace

TEST_CASE("chat connection: a member that never reads is dropped when its queue is full") {
  net::io_context ioc;
  tidecast::test::CapturedLog log;
  NullStore store;
  NoClock clock;
  ChatLimits limits;
  limits.queue_frames = 64;
  limits.queue_bytes = 64 * 1024;
  ChatService service(ioc, log.logger(), store, clock, limits);

  net::ip::tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  net::ip::tcp::socket client(ioc);
  client.open(net::ip::tcp::v4());
  client.set_option(net::socket_base::receive_buffer_size(4096));  // and it never reads
  client.connect(acceptor.local_endpoint());
  net::ip::tcp::socket accepted = acceptor.accept();

  // The upgrade request the HTTP session would have read.
  tidecast::http::Request request{tidecast::http::Verb::get, "/api/v1/channels/studio/chat", 11};
  request.set(boost::beast::http::field::host, "127.0.0.1");
  request.set(boost::beast::http::field::upgrade, "websocket");
  request.set(boost::beast::http::field::connection, "Upgrade");
  request.set(boost::beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  request.set(boost::beast::http::field::sec_websocket_version, "13");
  const ChannelRef studio{.id = 1, .name = "studio", .owner_id = std::nullopt};
  ChatUpgrade upgrade(service, studio,
                      Participant{.user_id = std::nullopt, .name = "", .moderator = false, .address = "192.0.2.1"});
  auto keep = upgrade.start(tidecast::core::PlainStream(std::move(accepted)), std::move(request), nullptr);
  std::thread io([&] { ioc.run_for(std::chrono::seconds(20)); });

  auto reader = std::make_shared<Counter>();
  auto [room, hello] = service.join(studio, reader, Participant{});
  for (int i = 0; i < 100 && room->viewers() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(room->viewers() == 2);

  // 2 KB messages until the silent member is gone (the kernel holds a few MB at most).
  const std::string text(2000, 'x');
  int sent = 0;
  for (; sent < 20'000 && service.counters().dropped_slow.load() == 0; ++sent) {
    ChatMessage message;
    message.id = sent + 1;
    message.author = "ann";
    message.text = text;
    room->publish(message);
    if (sent % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let the writes drain
  }
  for (int i = 0; i < 100 && room->viewers() > 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(service.counters().dropped_slow.load() == 1);
  CHECK(room->viewers() == 1);        // the reader is still there
  CHECK(reader->got.load() == sent);  // and got everything
  CHECK(log.count("dropped slow member channel=studio") == 1);
  MESSAGE("messages until the silent member was dropped: " << sent);
  ioc.stop();
  io.join();
  service.stop();
}

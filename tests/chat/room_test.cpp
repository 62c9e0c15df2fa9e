#include "chat/room.hpp"

#include <doctest/doctest.h>

#include "chat/outbound_queue.hpp"

using namespace tidecast::chat;

namespace {
struct FakeMember : Member {
  std::vector<Frame> got;
  void deliver(Frame frame) override { got.push_back(std::move(frame)); }
};
ChatMessage message(std::int64_t id, std::string text) {
  return ChatMessage{.id = id, .author = "ann", .text = std::move(text), .at_ms = id, .user_id = 1, .address = "a"};
}
}  // namespace

TEST_CASE("chat room: a message is serialized once and shared by every member") {
  Room room("studio", 1, Moderation(), {message(1, "earlier")});
  auto a = std::make_shared<FakeMember>();
  auto b = std::make_shared<FakeMember>();
  const auto hello = nlohmann::json::parse(*room.join(a, {{"name", "ann"}}));
  CHECK(hello["type"] == "hello");
  CHECK(hello["history"].size() == 1);
  CHECK(hello["history"][0]["text"] == "earlier");
  CHECK(hello["room"]["viewers"] == 1);
  room.join(b, {});
  CHECK(room.viewers() == 2);
  room.publish(message(2, "now"));
  REQUIRE(a->got.size() == 1);
  REQUIRE(b->got.size() == 1);
  CHECK(a->got[0] == b->got[0]);  // the same buffer, not a copy
  CHECK(nlohmann::json::parse(*a->got[0])["text"] == "now");
  room.leave(b.get());
  room.publish(message(3, "later"));
  CHECK(a->got.size() == 2);
  CHECK(b->got.size() == 1);
  CHECK(room.viewers() == 1);
}

TEST_CASE("chat room: deleted messages leave the history and every screen") {
  Room room("studio", 1, Moderation(), {});
  auto a = std::make_shared<FakeMember>();
  room.join(a, {});
  room.publish(message(1, "keep"));
  room.publish(message(2, "spam"));
  CHECK(room.recent(2));
  room.retract({2});
  CHECK_FALSE(room.recent(2));
  const auto deleted = nlohmann::json::parse(*a->got.back());
  CHECK(deleted["type"] == "deleted");
  CHECK(deleted["ids"][0] == 2);
  auto late = std::make_shared<FakeMember>();
  const auto hello = nlohmann::json::parse(*room.join(late, {}));
  REQUIRE(hello["history"].size() == 1);
  CHECK(hello["history"][0]["text"] == "keep");
}

TEST_CASE("chat room: history is bounded") {
  Room room("studio", 1, Moderation(), {}, 3);
  for (int i = 1; i <= 5; ++i) room.publish(message(i, std::to_string(i)));
  auto a = std::make_shared<FakeMember>();
  const auto hello = nlohmann::json::parse(*room.join(a, {}));
  REQUIRE(hello["history"].size() == 3);
  CHECK(hello["history"][0]["id"] == 3);
}

TEST_CASE("chat room: a nonce already accepted is not accepted twice") {
  Room room("studio", 1, Moderation(), {});
  const Poster ann{.user_id = 1, .address = "a"};
  CHECK(room.check_post(ann, "hi", "n1", 0).verdict.ok());
  CHECK(room.check_post(ann, "hi", "n1", 1).duplicate);
  CHECK_FALSE(room.check_post(Poster{.user_id = 2}, "hi", "n1", 2).duplicate);  // nonces are per poster
  CHECK_FALSE(room.check_post(ann, "hi", "", 3).duplicate);                     // no nonce: no de-duplication
}

TEST_CASE("chat room: state changes are sent once") {
  Room room("studio", 1, Moderation(), {});
  CHECK(room.take_state_change());  // the initial state
  CHECK_FALSE(room.take_state_change());
  auto a = std::make_shared<FakeMember>();
  auto b = std::make_shared<FakeMember>();
  room.join(a, {});
  room.join(b, {});
  const auto state = room.take_state_change();
  REQUIRE(state);
  CHECK(nlohmann::json::parse(*state)["viewers"] == 2);
  CHECK_FALSE(room.take_state_change());
  room.moderate([](Moderation& m) { m.set_settings({.slow_seconds = 30}); });
  const auto slow = room.take_state_change();
  REQUIRE(slow);
  CHECK(nlohmann::json::parse(*slow)["slow_seconds"] == 30);
}

TEST_CASE("chat outbound queue: bounded by frames and bytes") {
  OutboundQueue queue(3, 10);
  const auto frame = [](std::size_t n) { return std::make_shared<const std::string>(n, 'x'); };
  CHECK(queue.push(frame(4)));
  CHECK(queue.push(frame(4)));
  CHECK_FALSE(queue.push(frame(4)));  // 12 bytes > 10
  CHECK(queue.push(frame(2)));
  CHECK_FALSE(queue.push(frame(1)));  // 4 frames > 3
  CHECK(queue.bytes() == 10);
  queue.pop();
  CHECK(queue.bytes() == 6);
  CHECK(queue.push(frame(1)));
}

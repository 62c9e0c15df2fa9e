#include "chat/protocol.hpp"

#include <doctest/doctest.h>

using namespace tidecast::chat;

namespace {
template <class T>
T command_of(std::string_view frame) {
  auto parsed = parse_command(frame);
  REQUIRE(std::holds_alternative<Command>(parsed));
  auto& command = std::get<Command>(parsed);
  REQUIRE(std::holds_alternative<T>(command));
  return std::get<T>(command);
}
std::string error_of(std::string_view frame) {
  auto parsed = parse_command(frame);
  REQUIRE(std::holds_alternative<ProtocolError>(parsed));
  return std::get<ProtocolError>(parsed).code;
}
}  // namespace

TEST_CASE("chat protocol: posts") {
  const auto post = command_of<PostCommand>(R"({"type":"post","text":"  hi  ","nonce":"n1"})");
  CHECK(post.text == "hi");
  CHECK(post.nonce == "n1");
  CHECK(post.nick.empty());
  CHECK(command_of<PostCommand>(R"({"type":"post","text":"x","nick":"guest_1"})").nick == "guest_1");
  CHECK(error_of(R"({"type":"post","text":"x","nick":"<b>"})") == "bad_nick");
  CHECK(error_of(R"({"type":"post"})") == "bad_text");
  CHECK(error_of(R"({"type":"post","text":5})") == "bad_text");
  CHECK(error_of(R"({"type":"post","text":"a\u0000b"})") == "bad_text");
  CHECK(error_of(R"({"type":"post","text":"line\nbreak"})") == "bad_text");
  CHECK(error_of(std::string(R"({"type":"post","text":")") + std::string(2000, 'x') + "\"}") == "too_long");
  CHECK(error_of(std::string(R"({"type":"post","text":"x","nonce":")") + std::string(65, 'n') + "\"}") == "bad_field");
}

TEST_CASE("chat protocol: malformed frames never throw") {
  CHECK(error_of("") == "bad_json");
  CHECK(error_of("not json") == "bad_json");
  CHECK(error_of("[1,2]") == "bad_json");
  CHECK(error_of("{\"type\":\"post\",\"text\":\"\xff\"}") == "bad_json");  // ill-formed UTF-8
  CHECK(error_of(R"({"text":"x"})") == "bad_type");
  CHECK(error_of(R"({"type":"shout","text":"x"})") == "bad_type");
  CHECK(error_of(R"({"type":"delete"})") == "bad_field");
  CHECK(error_of(R"({"type":"delete","id":"7"})") == "bad_field");
  CHECK(error_of(R"({"type":"delete","id":-1})") == "bad_field");
  CHECK(error_of(R"({"type":"ban","id":1,"seconds":-5})") == "bad_field");
  CHECK(error_of(R"({"type":"ban","id":1,"by":"moon"})") == "bad_field");
  CHECK(error_of(R"({"type":"settings","slow_seconds":99999})") == "bad_field");
  CHECK(error_of(R"({"type":"settings","links":"no"})") == "bad_field");
}

TEST_CASE("chat protocol: moderation commands") {
  CHECK(command_of<DeleteCommand>(R"({"type":"delete","id":7})").id == 7);
  const auto timeout = command_of<BanCommand>(R"({"type":"ban","id":3,"seconds":60,"by":"address"})");
  CHECK(timeout.id == 3);
  CHECK(timeout.seconds == 60);
  CHECK(timeout.by_address);
  const auto ban = command_of<BanCommand>(R"({"type":"ban","id":3})");
  CHECK(ban.seconds == 0);
  CHECK_FALSE(ban.by_address);
  CHECK(command_of<UnbanCommand>(R"({"type":"unban","id":3})").id == 3);
  const auto by_ban = command_of<UnbanCommand>(R"({"type":"unban","ban":4})");
  CHECK(by_ban.ban_id == 4);
  CHECK(by_ban.id == 0);
  (void)command_of<BansCommand>(R"({"type":"bans"})");
  for (const char* bad : {R"({"type":"unban","ban":0})", R"({"type":"unban","ban":"4"})",
                          R"({"type":"unban","ban":4,"id":3})", R"({"type":"unban"})"}) {
    CAPTURE(bad);
    const auto parsed = parse_command(bad);
    REQUIRE(std::holds_alternative<ProtocolError>(parsed));
    CHECK(std::get<ProtocolError>(parsed).code == "bad_field");
  }
  const auto settings = command_of<SettingsCommand>(R"({"type":"settings","slow_seconds":10,"links":false})");
  CHECK(settings.slow_seconds == 10);
  CHECK(settings.links == false);
  CHECK_FALSE(settings.guests.has_value());
}

TEST_CASE("chat protocol: what viewers get") {
  ChatMessage message{.id = 9, .author = "ann", .guest = false, .text = "<b>hi</b>", .at_ms = 1000};
  message.stream_ms = 2500;
  message.user_id = 4;
  message.address = "192.0.2.1";
  const auto json = nlohmann::json::parse(serialize_message(message));
  CHECK(json["type"] == "message");
  CHECK(json["id"] == 9);
  CHECK(json["text"] == "<b>hi</b>");
  CHECK(json["stream_ms"] == 2500);
  // Who wrote it stays on the server.
  CHECK_FALSE(json.contains("address"));
  CHECK_FALSE(json.contains("user_id"));
  const auto deleted = nlohmann::json::parse(serialize_deleted({9, 10}));
  CHECK(deleted["ids"] == nlohmann::json::array({9, 10}));
  const auto error = nlohmann::json::parse(serialize_error("slow_mode", "wait", 1500, "n1"));
  CHECK(error["retry_after_ms"] == 1500);
  CHECK(error["nonce"] == "n1");
  const auto room = nlohmann::json::parse(serialize_room({.slow_seconds = 5, .links = false, .guests = true}, 3));
  CHECK(room["viewers"] == 3);
  CHECK(room["slow_seconds"] == 5);
  CHECK(room["links"] == false);
}

TEST_CASE("chat protocol: the message length limit is the configured one") {
  const std::string text = std::string(R"({"type":"post","text":")") + std::string(300, 'x') + "\"}";
  CHECK(std::holds_alternative<Command>(parse_command(text)));  // the default allows 500
  const auto refused = parse_command(text, 200);
  REQUIRE(std::holds_alternative<ProtocolError>(refused));
  CHECK(std::get<ProtocolError>(refused).code == "too_long");
  CHECK(std::get<ProtocolError>(refused).message.find("200") != std::string::npos);
}

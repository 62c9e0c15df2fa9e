#include "chat/service.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <mutex>

#include "support/captured_log.hpp"

using namespace tidecast::chat;

namespace {

struct FakeStore : ChatStore {
  std::mutex mutex;
  std::vector<std::pair<ChatMessage, std::optional<std::string>>> added;
  std::vector<std::int64_t> removed;
  std::vector<Ban> banned;
  RoomSettings saved;
  bool fail = false;

  ChatMessage add(std::int64_t, ChatMessage message, const std::optional<std::string>& video) override {
    std::lock_guard lock(mutex);
    if (fail) throw std::runtime_error("disk full");
    message.id = static_cast<std::int64_t>(added.size()) + 1;
    added.emplace_back(message, video);
    return message;
  }
  bool remove(std::int64_t, std::int64_t id) override {
    std::lock_guard lock(mutex);
    removed.push_back(id);
    return id <= static_cast<std::int64_t>(added.size());
  }
  std::optional<ChatMessage> find(std::int64_t, std::int64_t id) override {
    std::lock_guard lock(mutex);
    if (id < 1 || id > static_cast<std::int64_t>(added.size())) return std::nullopt;
    return added[static_cast<std::size_t>(id - 1)].first;
  }
  std::vector<ChatMessage> recent(std::int64_t, std::size_t) override { return {}; }
  std::vector<ChatMessage> replay(const std::string&) override { return {}; }
  RoomSettings settings(std::int64_t) override { return saved; }
  void save_settings(std::int64_t, const RoomSettings& settings) override { saved = settings; }
  std::vector<Ban> bans(std::int64_t, std::int64_t) override { return banned; }
  void add_ban(std::int64_t, const Ban& ban) override {
    banned.push_back(ban);
    banned.back().id = ++last_ban_id;
    banned.back().author = "ann";  // the catalog resolves it (chat_repository_test)
  }
  void lift_bans(std::int64_t, const std::optional<std::int64_t>&, const std::string&) override { banned.clear(); }
  std::optional<Ban> lift_ban(std::int64_t, std::int64_t ban_id) override {
    const auto it = std::find_if(banned.begin(), banned.end(), [&](const Ban& b) { return b.id == ban_id; });
    if (it == banned.end()) return std::nullopt;
    Ban lifted = *it;
    banned.erase(it);
    return lifted;
  }
  std::int64_t last_ban_id = 0;
};

struct FakeClock : StreamClock {
  std::optional<StreamPosition> at;
  std::optional<StreamPosition> position(const std::string&) override { return at; }
};

struct FakeMember : Member {
  std::mutex mutex;
  std::vector<nlohmann::json> got;
  void deliver(Frame frame) override {
    std::lock_guard lock(mutex);
    got.push_back(nlohmann::json::parse(*frame));
  }
  std::vector<nlohmann::json> of_type(const std::string& type) {
    std::lock_guard lock(mutex);
    std::vector<nlohmann::json> out;
    for (const auto& m : got) {
      if (m["type"] == type) out.push_back(m);
    }
    return out;
  }
};

struct Fixture {
  boost::asio::io_context ioc;
  tidecast::test::CapturedLog log;
  FakeStore store;
  FakeClock clock;
  ChannelRef studio{.id = 1, .name = "studio", .owner_id = 10};
  Participant owner{.user_id = 10, .name = "olga", .moderator = true, .address = "192.0.2.10"};
  Participant ann{.user_id = 1, .name = "ann", .moderator = false, .address = "192.0.2.1"};
  Participant guest{.user_id = std::nullopt, .name = "", .moderator = false, .address = "192.0.2.9"};
};

PostCommand post(std::string text, std::string nick = {}) {
  return PostCommand{.text = std::move(text), .nick = std::move(nick), .nonce = {}};
}

}  // namespace

TEST_CASE("chat service: a post is stored with its stream time, then reaches every member") {
  Fixture f;
  f.clock.at = StreamPosition{.video_id = "rec1", .offset_ms = 4200};
  ChatService service(f.ioc, f.log.logger(), f.store, f.clock);
  auto a = std::make_shared<FakeMember>();
  auto b = std::make_shared<FakeMember>();
  auto [room, hello] = service.join(f.studio, a, f.ann);
  CHECK(nlohmann::json::parse(*hello)["you"]["name"] == "ann");
  service.join(f.studio, b, f.guest);
  CHECK(service.viewers("studio") == 2);
  service.handle(room, a, f.ann, post("hello"));
  service.stop();  // the writer thread finishes
  REQUIRE(f.store.added.size() == 1);
  CHECK(f.store.added[0].second == "rec1");
  CHECK(f.store.added[0].first.stream_ms == 4200);
  CHECK(f.store.added[0].first.address == "192.0.2.1");
  for (auto* member : {a.get(), b.get()}) {
    const auto messages = member->of_type("message");
    REQUIRE(messages.size() == 1);
    CHECK(messages[0]["author"] == "ann");
    CHECK(messages[0]["stream_ms"] == 4200);
  }
  service.leave(room, a.get());
  service.leave(room, b.get());
  CHECK(service.rooms() == 0);  // closed with its last member
}

TEST_CASE("chat service: guests post only where the channel allows it, with a nickname") {
  Fixture f;
  ChatService service(f.ioc, f.log.logger(), f.store, f.clock);
  auto g = std::make_shared<FakeMember>();
  auto mod = std::make_shared<FakeMember>();
  auto [room, hello] = service.join(f.studio, g, f.guest);
  service.join(f.studio, mod, f.owner);
  service.handle(room, g, f.guest, post("hi", "visitor"));
  CHECK(g->of_type("error").back()["code"] == "sign_in");
  service.handle(room, g, f.guest,
                 SettingsCommand{.slow_seconds = std::nullopt, .links = std::nullopt, .guests = true});
  CHECK(g->of_type("error").back()["code"] == "forbidden");  // guests do not moderate
  service.handle(room, mod, f.owner,
                 SettingsCommand{.slow_seconds = std::nullopt, .links = std::nullopt, .guests = true});
  service.handle(room, g, f.guest, post("hi"));
  CHECK(g->of_type("error").back()["code"] == "nick_required");
  service.handle(room, g, f.guest, post("hi", "visitor"));
  service.stop();
  CHECK(f.store.saved.guests);
  REQUIRE(f.store.added.size() == 1);
  CHECK(f.store.added[0].first.guest);
  CHECK(f.store.added[0].first.author == "visitor");
}

TEST_CASE("chat service: moderators delete and ban by message; the ban holds") {
  Fixture f;
  ChatService service(f.ioc, f.log.logger(), f.store, f.clock);
  auto a = std::make_shared<FakeMember>();
  auto mod = std::make_shared<FakeMember>();
  auto [room, hello] = service.join(f.studio, a, f.ann);
  service.join(f.studio, mod, f.owner);
  service.handle(room, a, f.ann, post("first"));
  service.handle(room, a, f.ann, post("second"));
  service.handle(room, a, f.ann, DeleteCommand{.id = 1});  // not a moderator
  service.handle(room, mod, f.owner, DeleteCommand{.id = 1});
  service.handle(room, mod, f.owner, BanCommand{.id = 2, .seconds = 0, .by_address = false});
  service.stop();
  CHECK(a->of_type("error").front()["code"] == "forbidden");
  REQUIRE(mod->of_type("deleted").size() == 1);
  CHECK(mod->of_type("deleted")[0]["ids"][0] == 1);
  REQUIRE(f.store.banned.size() == 1);
  CHECK(f.store.banned[0].user_id == 1);
  CHECK(f.store.banned[0].address.empty());  // an account ban, not everyone at that address
  // The room refuses the banned user at once (no store round trip).
  service.handle(room, a, f.ann, post("still here?"));
  CHECK(a->of_type("error").back()["code"] == "banned");
  CHECK(f.store.added.size() == 2);
}

TEST_CASE("chat service: a store failure answers the poster, nothing is shown") {
  Fixture f;
  f.store.fail = true;
  ChatService service(f.ioc, f.log.logger(), f.store, f.clock);
  auto a = std::make_shared<FakeMember>();
  auto [room, hello] = service.join(f.studio, a, f.ann);
  service.handle(room, a, f.ann, post("lost"));
  service.stop();
  CHECK(a->of_type("message").empty());
  CHECK(a->of_type("error").back()["code"] == "unavailable");
  CHECK(f.log.count("store failed") == 1);
}

TEST_CASE("chat service: a command-line token (admin, no account) posts under its name") {
  Fixture f;
  ChatService service(f.ioc, f.log.logger(), f.store, f.clock);
  const Participant token{.user_id = std::nullopt, .name = "token:ci", .moderator = true, .address = "192.0.2.5"};
  auto t = std::make_shared<FakeMember>();
  auto [room, hello] = service.join(f.studio, t, token);
  CHECK(nlohmann::json::parse(*hello)["you"]["signed_in"] == true);
  service.handle(room, t, token, post("maintenance at noon"));
  service.stop();
  REQUIRE(f.store.added.size() == 1);
  CHECK(f.store.added[0].first.author == "token:ci");
  CHECK_FALSE(f.store.added[0].first.guest);
}

TEST_CASE("chat service: moderators list the bans and lift one by its id; others may not") {
  Fixture f;
  ChatService service(f.ioc, f.log.logger(), f.store, f.clock);
  auto a = std::make_shared<FakeMember>();
  auto g = std::make_shared<FakeMember>();
  auto mod = std::make_shared<FakeMember>();
  auto [room, hello] = service.join(f.studio, a, f.ann);
  service.join(f.studio, g, f.guest);
  service.join(f.studio, mod, f.owner);
  service.handle(room, a, f.ann, post("first"));
  service.handle(room, mod, f.owner, BanCommand{.id = 1, .seconds = 600, .by_address = false});
  service.handle(room, a, f.ann, BansCommand{});  // not a moderator
  service.handle(room, g, f.guest, BansCommand{});
  service.handle(room, mod, f.owner, BansCommand{});
  service.handle(room, mod, f.owner, UnbanCommand{.id = 0, .ban_id = 99});
  service.handle(room, mod, f.owner, UnbanCommand{.id = 0, .ban_id = 1});
  service.stop();
  CHECK(a->of_type("error").back()["code"] == "forbidden");
  CHECK(g->of_type("error").back()["code"] == "forbidden");
  CHECK(a->of_type("bans").empty());
  CHECK(g->of_type("bans").empty());
  const auto lists = mod->of_type("bans");
  REQUIRE(lists.size() == 2);  // asked for, and again after the lift
  REQUIRE(lists[0]["bans"].size() == 1);
  const auto& ban = lists[0]["bans"][0];
  CHECK(ban["id"] == 1);
  CHECK(ban["author"] == "ann");
  CHECK(ban["kind"] == "timeout");
  CHECK(ban["by"] == "user");
  CHECK(ban["until"].get<std::int64_t>() > 0);
  CHECK(lists[1]["bans"].empty());
  CHECK(mod->of_type("error").back()["code"] == "not_found");  // ban 99
  CHECK(mod->of_type("notice").back()["text"] == "Lifted the ban on ann.");
  CHECK(f.store.banned.empty());
  // The room lifted it too: nothing holds ann back.
  room->moderate([](Moderation& m) { CHECK(m.bans().empty()); });
}

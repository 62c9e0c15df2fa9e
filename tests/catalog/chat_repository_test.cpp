#include "catalog/chat_repository.hpp"

#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;

namespace {
ChatRow row(std::int64_t channel_id, std::string text, std::optional<std::string> video = std::nullopt,
            std::optional<std::int64_t> stream_ms = std::nullopt) {
  ChatRow r;
  r.channel_id = channel_id;
  r.video_id = std::move(video);
  r.author = "ann";
  r.address = "192.0.2.1";
  r.text = std::move(text);
  r.created_ms = 1000;
  r.stream_ms = stream_ms;
  return r;
}
}  // namespace

TEST_CASE("chat repository: messages, deletion and the recent history") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto studio = catalog.channels().create("studio", "").channel;
  const auto stage = catalog.channels().create("stage", "").channel;
  ChatRepository chat(catalog.database());

  auto guest = row(studio.id, "hello <b>world</b> \xe2\x82\xac");
  guest.guest = true;
  guest.author = "guest_1";
  guest.nonce = "n1";
  const auto first = chat.add(guest);
  const auto second = chat.add(row(studio.id, "second"));
  const auto third = chat.add(row(studio.id, "third"));
  chat.add(row(stage.id, "elsewhere"));
  CHECK(second > first);

  const auto found = chat.find(studio.id, first);
  REQUIRE(found);
  CHECK(found->text == "hello <b>world</b> \xe2\x82\xac");
  CHECK(found->guest);
  CHECK(found->author == "guest_1");
  CHECK(found->nonce == "n1");
  CHECK(found->address == "192.0.2.1");
  CHECK_FALSE(found->user_id);
  CHECK_FALSE(chat.find(stage.id, first));  // ids are per channel when asked

  auto recent = chat.recent(studio.id, 2);
  REQUIRE(recent.size() == 2);
  CHECK(recent[0].id == second);  // oldest first
  CHECK(recent[1].id == third);
  CHECK(chat.remove(studio.id, third));
  CHECK_FALSE(chat.remove(stage.id, second));  // not that channel's message
  recent = chat.recent(studio.id, 10);
  REQUIRE(recent.size() == 2);
  CHECK(recent.back().id == second);
  CHECK(chat.find(studio.id, third)->deleted);
}

TEST_CASE("chat repository: a recording's messages by time in the stream") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto studio = catalog.channels().create("studio", "").channel;
  NewVideo recording;
  recording.origin = VideoOrigin::live;
  recording.channel_id = studio.id;
  const auto video = catalog.videos().create(recording);
  ChatRepository chat(catalog.database());
  chat.add(row(studio.id, "later", video.id, 9000));
  chat.add(row(studio.id, "earlier", video.id, 1500));
  chat.add(row(studio.id, "offline"));  // no presentation: not part of any replay
  const auto gone = chat.add(row(studio.id, "removed", video.id, 3000));
  chat.remove(studio.id, gone);
  const auto replay = chat.for_video(video.id);
  REQUIRE(replay.size() == 2);
  CHECK(replay[0].text == "earlier");
  CHECK(replay[0].stream_ms == 1500);
  CHECK(replay[1].text == "later");
  CHECK(chat.for_video("nope").empty());
  // Deleting the video keeps the channel's chat, without the replay link.
  catalog.videos().remove(video.id);
  CHECK(chat.recent(studio.id, 10).size() == 3);
}

TEST_CASE("chat repository: settings and bans") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto studio = catalog.channels().create("studio", "").channel;
  ChatRepository chat(catalog.database());
  CHECK(chat.settings(studio.id).links);  // defaults
  CHECK_FALSE(chat.settings(studio.id).guests);
  chat.save_settings(studio.id, {.slow_seconds = 10, .links = false, .guests = true});
  chat.save_settings(studio.id, {.slow_seconds = 20, .links = false, .guests = true});  // an update, not a second row
  const auto settings = chat.settings(studio.id);
  CHECK(settings.slow_seconds == 20);
  CHECK_FALSE(settings.links);
  CHECK(settings.guests);

  chat.add_ban(studio.id, {.user_id = 5, .address = "", .until_ms = 0}, 0);
  chat.add_ban(studio.id, {.user_id = std::nullopt, .address = "192.0.2.9", .until_ms = 60'000}, 0);
  CHECK(chat.bans(studio.id, 1000).size() == 2);
  const auto later = chat.bans(studio.id, 60'000);  // the timeout is over
  REQUIRE(later.size() == 1);
  CHECK(later[0].user_id == 5);
  chat.lift_bans(studio.id, 5, "");
  CHECK(chat.bans(studio.id, 60'000).empty());
}

TEST_CASE("chat repository: a ban list names the authors; one ban is lifted by its id") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto studio = catalog.channels().create("studio", "").channel;
  const auto ann = catalog.users().create("ann", "x", Role::artist);
  ChatRepository chat(catalog.database());
  // chat_bans stores no name: a user ban is named by the account, an
  // address ban by the last message from that address before the ban.
  auto visitor = row(studio.id, "hi");
  visitor.guest = true;
  visitor.author = "visitor";
  visitor.address = "192.0.2.9";
  chat.add(visitor);
  chat.add_ban(studio.id, {.user_id = ann.id, .address = "", .until_ms = 0}, 2000);
  chat.add_ban(studio.id, {.user_id = std::nullopt, .address = "192.0.2.9", .until_ms = 60'000}, 2000);
  chat.add_ban(studio.id, {.user_id = std::nullopt, .address = "192.0.2.77", .until_ms = 0}, 2000);
  auto later = row(studio.id, "a later guest at that address");
  later.author = "someone_else";
  later.address = "192.0.2.9";
  later.created_ms = 3000;
  chat.add(later);
  const auto bans = chat.bans(studio.id, 2500);
  REQUIRE(bans.size() == 3);
  CHECK(bans[0].author == "ann");
  CHECK(bans[1].author == "visitor");
  CHECK(bans[1].until_ms == 60'000);
  CHECK(bans[2].author.empty());                          // never wrote here: no name to show
  CHECK_FALSE(chat.lift_ban(studio.id + 1, bans[1].id));  // another channel's id space
  const auto lifted = chat.lift_ban(studio.id, bans[1].id);
  REQUIRE(lifted);
  CHECK(lifted->address == "192.0.2.9");
  CHECK(lifted->author == "visitor");
  CHECK_FALSE(chat.lift_ban(studio.id, bans[1].id));  // gone
  CHECK(chat.bans(studio.id, 2500).size() == 2);
}

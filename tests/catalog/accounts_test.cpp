#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "catalog/migrations.hpp"
#include "core/crypto.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;
using tidecast::test::testing_postgres;

TEST_CASE("users: unique names (any case), roles, listing and removal") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& users = catalog.users();
  CHECK(users.count() == 0);
  const User alice = users.create("alice", "$argon2id$hash-a", Role::artist);
  const User root = users.create("root", "$argon2id$hash-r", Role::admin);
  CHECK(alice.role == Role::artist);
  CHECK(root.role == Role::admin);
  CHECK_THROWS_AS(users.create("ALICE", "x", Role::artist), Conflict);
  CHECK_THROWS_AS(users.create("bad name", "x", Role::artist), InvalidInput);
  CHECK_THROWS_AS(users.create("", "x", Role::artist), InvalidInput);
  const auto creds = users.credentials("alice");
  REQUIRE(creds);
  CHECK(creds->first.id == alice.id);
  CHECK(creds->second == "$argon2id$hash-a");
  CHECK_FALSE(users.credentials("nobody"));
  CHECK(users.list().size() == 2);
  CHECK(parse_role("admin") == Role::admin);
  CHECK_FALSE(parse_role("king"));
  CHECK(users.remove("alice"));
  CHECK_FALSE(users.remove("alice"));
  CHECK_FALSE(users.find(alice.id));
}

TEST_CASE("sessions: only the hash is stored, they expire, and end with their user") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const User alice = catalog.users().create("alice", "h", Role::artist);
  auto& sessions = catalog.sessions();
  const auto created = sessions.create(alice, 3600, 1000);
  CHECK(created.secret.size() >= 32);
  CHECK(created.session.csrf_token.size() >= 32);
  CHECK(created.session.expires_at == 4600);
  auto stored = catalog.database().prepare("SELECT id_hash FROM sessions");
  REQUIRE(stored.step());
  CHECK(stored.column_text(0) == tidecast::core::sha256_hex(created.secret));

  const auto found = sessions.find(created.secret, 2000);
  REQUIRE(found);
  CHECK(found->user.name == "alice");
  CHECK(found->csrf_token == created.session.csrf_token);
  CHECK(found->last_seen == 2000);
  CHECK_FALSE(sessions.find(created.secret, 4600));  // expired
  CHECK_FALSE(sessions.find(created.secret + "x", 2000));
  CHECK_FALSE(sessions.find("", 2000));
  CHECK(sessions.remove_expired(5000) == 1);
  CHECK_FALSE(sessions.find(created.secret, 2000));

  const auto again = sessions.create(alice, 3600, 1000);
  CHECK(sessions.remove(again.secret));
  CHECK_FALSE(sessions.remove(again.secret));
  const auto reset = sessions.create(alice, 3600, 1000);
  CHECK(catalog.users().set_password_hash("alice", "h2"));
  CHECK(catalog.users().credentials("alice")->second == "h2");
  CHECK_FALSE(sessions.find(reset.secret, 2000));  // a new password signs out everywhere
  CHECK_FALSE(catalog.users().set_password_hash("nobody", "h"));
  const auto third = sessions.create(alice, 3600, 1000);
  catalog.users().remove("alice");
  CHECK_FALSE(sessions.find(third.secret, 2000));
}

TEST_CASE("sessions: a catalog that cannot be written still signs people in; last_seen waits a minute" *
          doctest::skip(testing_postgres())) {  // SQLite only
  TempDir dir;
  const auto file = test_catalog_location(dir);
  Catalog catalog(file);
  const User alice = catalog.users().create("alice", "h", Role::artist);
  const auto created = catalog.sessions().create(alice, 100000, 1000);
  Database db = Database::open_location(file, 20);  // a short busy timeout keeps the test quick
  SessionRepository sessions(db);
  {
    Database locker = Database::open_location(file);
    locker.exec("BEGIN IMMEDIATE");  // another process holds the write lock
    const auto found = sessions.find(created.secret, 2000);
    REQUIRE(found);
    CHECK(found->user.name == "alice");
    CHECK(found->last_seen == created.session.last_seen);  // not noted
    locker.exec("ROLLBACK");
  }
  CHECK(sessions.find(created.secret, 2030)->last_seen == created.session.last_seen);  // paused after the failure
  CHECK(sessions.find(created.secret, 2061)->last_seen == 2061);
  CHECK(catalog.sessions().find(created.secret, 2062)->last_seen == 2061);  // stored
}

TEST_CASE("ownership: channels and videos pass to the admins when their owner is deleted") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const User alice = catalog.users().create("alice", "h", Role::artist);
  const auto channel = catalog.channels().create("studio", "Studio", alice.id);
  CHECK(channel.channel.owner_id == alice.id);
  CHECK(channel.channel.owner_name == "alice");
  catalog.channels().create("legacy", "");
  CHECK(catalog.channels().list_owned(alice.id).size() == 1);
  CHECK(catalog.channels().set_title("studio", "New"));
  CHECK(catalog.channels().find_by_name("studio")->title == "New");
  CHECK_THROWS_AS(catalog.channels().set_title("studio", std::string(201, 'x')), InvalidInput);
  CHECK_FALSE(catalog.channels().set_title("nope", "x"));
  CHECK(catalog.channels().find_by_name("studio")->visibility == "public");
  CHECK(catalog.channels().set_visibility("studio", "private"));
  CHECK(catalog.channels().find_by_name("studio")->visibility == "private");
  CHECK_THROWS_AS(catalog.channels().set_visibility("studio", "secret"), InvalidInput);
  CHECK_FALSE(catalog.channels().set_visibility("nope", "public"));

  NewVideo nv;
  nv.title = "clip";
  nv.owner_id = alice.id;
  const Video video = catalog.videos().create(nv);
  CHECK(video.owner_id == alice.id);
  const auto token = catalog.tokens().create("alice-ci", alice.id);
  CHECK(catalog.tokens().verify(token.secret)->user_id == alice.id);
  CHECK(catalog.tokens().list_for_user(alice.id).size() == 1);
  CHECK_FALSE(catalog.tokens().revoke_id(token.token.id, alice.id + 1));

  catalog.users().remove("alice");
  CHECK_FALSE(catalog.videos().find(video.id)->owner_id);
  CHECK_FALSE(catalog.channels().find_by_name("studio")->owner_id);
  CHECK_FALSE(catalog.tokens().verify(token.secret));  // the user's tokens go with them
  CHECK(catalog.channels().remove("studio"));
  CHECK_FALSE(catalog.channels().remove("studio"));
}

TEST_CASE("video search: one page, the total, title filter with literal wildcards, owner filter") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const User alice = catalog.users().create("alice", "h", Role::artist);
  auto& videos = catalog.videos();
  std::vector<std::string> ids;
  for (const char* title : {"Sunset 100%", "sunrise", "Moon_walk", "MoonXwalk", "Private one"}) {
    NewVideo nv;
    nv.title = title;
    nv.owner_id = std::string(title) == "sunrise" ? std::optional<std::int64_t>(alice.id) : std::nullopt;
    const Video v = videos.create(nv);
    videos.publish(v.id, MediaInfo{1000, 640, 360}, {});
    ids.push_back(v.id);
  }
  videos.update(ids[4], VideoPatch{std::nullopt, std::nullopt, "private"});
  NewVideo pending;
  pending.title = "Sun pending";
  videos.create(pending);

  VideoQuery all;
  auto page = videos.search(all);
  CHECK(page.total == 4);  // public and ready only
  REQUIRE(page.videos.size() == 4);
  CHECK(page.videos.front().id == ids[3]);  // newest first

  VideoQuery paged;
  paged.limit = 2;
  paged.offset = 1;
  page = videos.search(paged);
  CHECK(page.total == 4);
  REQUIRE(page.videos.size() == 2);
  CHECK(page.videos[0].id == ids[2]);
  paged.offset = 10;
  page = videos.search(paged);
  CHECK(page.total == 4);
  CHECK(page.videos.empty());

  VideoQuery q;
  q.title_contains = "SUN";
  CHECK(videos.search(q).total == 2);
  q.title_contains = "100%";
  CHECK(videos.search(q).total == 1);
  q.title_contains = "n_w";  // '_' is literal: only "Moon_walk"
  page = videos.search(q);
  REQUIRE(page.total == 1);
  CHECK(page.videos[0].title == "Moon_walk");
  q.title_contains = "nobody";
  page = videos.search(q);
  CHECK(page.total == 0);
  CHECK(page.videos.empty());

  VideoQuery mine;
  mine.public_ready_only = false;
  mine.owner_id = alice.id;
  page = videos.search(mine);
  REQUIRE(page.total == 1);
  CHECK(page.videos[0].title == "sunrise");
  VideoQuery everything;
  everything.public_ready_only = false;
  CHECK(videos.search(everything).total == 6);
}

TEST_CASE("video updates are validated; failed uploads can be retried once failed") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& videos = catalog.videos();
  NewVideo nv;
  nv.title = "a";
  const Video v = videos.create(nv);
  CHECK(videos.update(v.id, VideoPatch{"b", "desc", "unlisted"}));
  const Video changed = *videos.find(v.id);
  CHECK(changed.title == "b");
  CHECK(changed.description == "desc");
  CHECK(changed.visibility == "unlisted");
  CHECK(videos.update(v.id, VideoPatch{std::nullopt, std::nullopt, std::nullopt}));
  CHECK(videos.find(v.id)->title == "b");
  CHECK_THROWS_AS(videos.update(v.id, VideoPatch{std::nullopt, std::nullopt, "secret"}), InvalidInput);
  CHECK_THROWS_AS(videos.update(v.id, VideoPatch{std::string(201, 'x'), std::nullopt, std::nullopt}), InvalidInput);
  CHECK_FALSE(videos.update("nope", VideoPatch{"x", std::nullopt, std::nullopt}));

  CHECK_FALSE(videos.retry_failed_upload(v.id, 5));  // pending, not failed
  videos.set_state(v.id, VideoState::failed, "broken");
  CHECK(videos.retry_failed_upload(v.id, 5));
  CHECK(videos.find(v.id)->state == VideoState::pending);
  CHECK(videos.find(v.id)->failure_reason.empty());
  const auto job = catalog.jobs().latest_for_video(v.id);
  REQUIRE(job);
  CHECK(job->state == JobState::queued);
  CHECK_FALSE(videos.retry_failed_upload(v.id, 6));
}

TEST_CASE("migration 4 keeps existing rows and makes them admin-owned" *
          doctest::skip(testing_postgres())) {  // SQLite only
  TempDir dir;
  const auto file = test_catalog_location(dir);
  {
    Database db = Database::open_location(file);
    migrate(db, 3);
    db.exec("INSERT INTO channels (name, title, stream_key_hash, created_at) VALUES ('old', 'Old', 'h', 1)");
  }
  Catalog catalog(file);
  CHECK(schema_version(catalog.database()) == latest_schema_version());
  const auto old = catalog.channels().find_by_name("old");
  REQUIRE(old);
  CHECK_FALSE(old->owner_id);
}

TEST_CASE("token names are unique per user, and command-line commands see only command-line tokens") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const User alice = catalog.users().create("alice", "h", Role::artist);
  const User bob = catalog.users().create("bob", "h", Role::artist);
  auto& tokens = catalog.tokens();
  const auto cli = tokens.create("laptop");
  const auto a = tokens.create("laptop", alice.id);
  const auto b = tokens.create("laptop", bob.id);
  CHECK(a.token.name == "laptop");
  CHECK(a.token.user_id == alice.id);
  CHECK_THROWS_AS(tokens.create("laptop", alice.id), Conflict);
  CHECK_THROWS_AS(tokens.create("laptop"), Conflict);
  CHECK(tokens.verify(b.secret)->name == "laptop");
  CHECK(tokens.list().size() == 1);
  CHECK(tokens.list_for_user(alice.id).size() == 1);
  CHECK(tokens.revoke("laptop"));  // the command-line one
  CHECK(tokens.verify(a.secret));
  CHECK_FALSE(tokens.verify(cli.secret));
  CHECK_FALSE(tokens.revoke_id(a.token.id, bob.id));
  CHECK(tokens.revoke_id(a.token.id, alice.id));
  CHECK_FALSE(tokens.verify(a.secret));
}

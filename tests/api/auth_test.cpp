#include "api/auth.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "core/clock.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
using tidecast::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  catalog::Catalog catalog{dir.path() / "t.db"};
  api::Authenticator auth{catalog.users(), catalog.sessions(), catalog.tokens()};
  catalog::User alice = catalog.users().create("alice", "h", catalog::Role::artist);
  catalog::CreatedSession session = catalog.sessions().create(alice, 3600, core::unix_now_ms() / 1000);
};

http::Request request(http::Verb method, std::initializer_list<std::pair<std::string, std::string>> headers) {
  http::Request req{method, "/api/v1/x", 11};
  for (const auto& [name, value] : headers) req.insert(name, value);
  return req;
}

std::string error_code(const http::Response& res) {
  const auto& bytes = res.body().bytes;
  return nlohmann::json::parse(std::string(bytes.begin(), bytes.end()))["error"]["code"];
}

}  // namespace

TEST_CASE("the session cookie names its user; reads need no CSRF token, changes do") {
  Fixture f;
  const std::string cookie = "theme=dark; tidecast_session=" + f.session.secret;
  const auto who = f.auth.resolve(request(http::Verb::get, {{"Cookie", cookie}}));
  REQUIRE(who);
  CHECK(who->user_id == f.alice.id);
  CHECK(who->via == api::Principal::Via::session);
  CHECK_FALSE(who->admin());
  CHECK(std::holds_alternative<api::Principal>(f.auth.require(request(http::Verb::get, {{"Cookie", cookie}}))));

  for (const auto verb : {http::Verb::post, http::Verb::put, http::Verb::patch, http::Verb::delete_}) {
    const auto missing = f.auth.require(request(verb, {{"Cookie", cookie}}));
    REQUIRE(std::holds_alternative<http::Response>(missing));
    CHECK(std::get<http::Response>(missing).result() == http::Status::forbidden);
    CHECK(error_code(std::get<http::Response>(missing)) == "csrf");
    const auto wrong = f.auth.require(request(verb, {{"Cookie", cookie}, {"X-CSRF-Token", "nope"}}));
    CHECK(std::holds_alternative<http::Response>(wrong));
    const auto right =
        f.auth.require(request(verb, {{"Cookie", cookie}, {"X-CSRF-Token", f.session.session.csrf_token}}));
    CHECK(std::holds_alternative<api::Principal>(right));
  }
  CHECK_FALSE(f.auth.resolve(request(http::Verb::get, {{"Cookie", "tidecast_session=forged"}})));
  // Cookies split over several headers, with another header in between.
  CHECK(f.auth.resolve(
      request(http::Verb::get,
              {{"Cookie", "theme=dark"}, {"Accept", "*/*"}, {"Cookie", "tidecast_session=" + f.session.secret}})));
  const auto anonymous = f.auth.require(request(http::Verb::get, {}));
  REQUIRE(std::holds_alternative<http::Response>(anonymous));
  CHECK(std::get<http::Response>(anonymous).result() == http::Status::unauthorized);
}

TEST_CASE("bearer tokens: user tokens act as the user, command-line tokens as admin, no CSRF needed") {
  Fixture f;
  const auto user_token = f.catalog.tokens().create("alice-ci", f.alice.id);
  const auto cli_token = f.catalog.tokens().create("ops");
  const auto as_alice =
      f.auth.require(request(http::Verb::delete_, {{"Authorization", "Bearer " + user_token.secret}}));
  REQUIRE(std::holds_alternative<api::Principal>(as_alice));
  CHECK(std::get<api::Principal>(as_alice).user_id == f.alice.id);
  CHECK(std::get<api::Principal>(as_alice).may_manage(f.alice.id));
  CHECK_FALSE(std::get<api::Principal>(as_alice).may_manage(std::nullopt));
  const auto as_cli = f.auth.resolve(request(http::Verb::post, {{"Authorization", "bearer " + cli_token.secret}}));
  REQUIRE(as_cli);
  CHECK(as_cli->admin());
  CHECK_FALSE(as_cli->user_id);
  CHECK(as_cli->may_manage(f.alice.id));
  CHECK(as_cli->may_manage(std::nullopt));
  // A bad bearer header never falls back to the cookie.
  CHECK_FALSE(f.auth.resolve(request(
      http::Verb::get, {{"Authorization", "Bearer wrong"}, {"Cookie", "tidecast_session=" + f.session.secret}})));
  CHECK_FALSE(f.auth.resolve(
      request(http::Verb::get, {{"Authorization", "Basic abc"}, {"Cookie", "tidecast_session=" + f.session.secret}})));
}

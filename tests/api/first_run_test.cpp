#include "api/first_run.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "core/log.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast;
using tidecast::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  catalog::Catalog catalog{dir.path() / "t.db"};
  api::Authenticator auth{catalog.users(), catalog.sessions(), catalog.tokens()};
  core::Logger log{core::LogLevel::off};
  api::FirstRunSetup setup{catalog.users()};
  http::Router router;

  Fixture() { api::add_setup_routes(router, setup, auth, log, {}); }

  http::Response post(const nlohmann::json& body) {
    http::Request req{http::Verb::post, "/api/v1/setup", 11};
    req.set(http::beast_http::field::content_type, "application/json");
    req.body() = body.dump();
    req.prepare_payload();
    return router.handle(req);
  }
  bool open() {
    http::Request req{http::Verb::get, "/api/v1/setup", 11};
    return nlohmann::json::parse(router.handle(req).body().bytes)["open"].get<bool>();
  }
};

std::string error_code(const http::Response& res) {
  return nlohmann::json::parse(res.body().bytes)["error"]["code"].get<std::string>();
}

}  // namespace

TEST_CASE("the setup token makes the first admin once, signs in, then refuses") {
  Fixture f;
  CHECK_FALSE(f.open());  // no token made yet
  const auto token = f.setup.open();
  REQUIRE(token);
  CHECK(token->size() >= 24);
  CHECK(f.open());

  auto wrong = f.post({{"token", "nope"}, {"username", "root"}, {"password", "correct horse"}});
  CHECK(wrong.result() == http::Status::forbidden);
  CHECK(error_code(wrong) == "bad_setup_token");
  CHECK(f.catalog.users().count() == 0);

  auto weak = f.post({{"token", *token}, {"username", "root"}, {"password", "short"}});
  CHECK(weak.result() == http::Status::bad_request);
  auto bad_name = f.post({{"token", *token}, {"username", "../x"}, {"password", "correct horse"}});
  CHECK(bad_name.result() == http::Status::bad_request);
  CHECK(f.open());  // a refused name does not spend the token

  auto made = f.post({{"token", *token}, {"username", "root"}, {"password", "correct horse"}});
  REQUIRE(made.result() == http::Status::created);
  const auto body = nlohmann::json::parse(made.body().bytes);
  CHECK(body["user"]["role"] == "admin");
  CHECK_FALSE(body["csrf_token"].get<std::string>().empty());
  CHECK(std::string(made[http::beast_http::field::set_cookie]).starts_with("tidecast_session="));
  CHECK(f.catalog.users().find_by_name("root")->role == catalog::Role::admin);

  auto again = f.post({{"token", *token}, {"username", "second"}, {"password", "correct horse"}});
  CHECK(again.result() == http::Status::gone);
  CHECK(error_code(again) == "setup_done");
  CHECK(f.catalog.users().count() == 1);
  CHECK_FALSE(f.open());
  CHECK_FALSE(f.setup.open());  // users exist: no new token
}

TEST_CASE("a user made some other way (the CLI) closes the setup link") {
  Fixture f;
  const auto token = f.setup.open();
  REQUIRE(token);
  f.catalog.users().create("cli-admin", "h", catalog::Role::admin);
  CHECK_FALSE(f.open());
  auto late = f.post({{"token", *token}, {"username", "root"}, {"password", "correct horse"}});
  CHECK(late.result() == http::Status::gone);
}

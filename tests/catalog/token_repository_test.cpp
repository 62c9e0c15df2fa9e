#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "core/crypto.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;
using tidecast::test::testing_postgres;

TEST_CASE("API tokens: shown once, stored hashed, revocable") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& tokens = catalog.tokens();
  const auto created = tokens.create("ci-uploader");
  CHECK(created.secret.size() >= 32);
  CHECK(created.token.name == "ci-uploader");

  auto stored = catalog.database().prepare("SELECT token_hash FROM api_tokens");
  REQUIRE(stored.step());
  CHECK(stored.column_text(0) == tidecast::core::sha256_hex(created.secret));
  CHECK(stored.column_text(0) != created.secret);

  const auto found = tokens.verify(created.secret);
  REQUIRE(found);
  CHECK(found->id == created.token.id);
  CHECK(found->last_used_at);
  CHECK_FALSE(tokens.verify(created.secret + "x"));
  CHECK_FALSE(tokens.verify(""));

  CHECK_THROWS_AS(tokens.create("ci-uploader"), Conflict);
  CHECK_THROWS_AS(tokens.create("bad name"), InvalidInput);
  CHECK(tokens.list().size() == 1);
  CHECK(tokens.revoke("ci-uploader"));
  CHECK_FALSE(tokens.revoke("ci-uploader"));
  CHECK_FALSE(tokens.verify(created.secret));
}

TEST_CASE("uploads keep their offset; expired ones are listed for removal") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& uploads = catalog.uploads();
  const Upload upload = uploads.create({1000, R"({"filename":"a.mp4"})", std::nullopt, 5000});
  CHECK(upload.received == 0);
  uploads.set_received(upload.id, 400);
  CHECK(uploads.find(upload.id)->received == 400);
  CHECK(uploads.incomplete_ids() == std::vector<std::string>{upload.id});
  CHECK(uploads.expired(4999).empty());
  CHECK(uploads.expired(5001).size() == 1);
  NewVideo video;
  video.title = "a";
  const auto id = catalog.videos().create(video).id;
  uploads.complete(upload.id, id);
  const auto done = uploads.find(upload.id);
  CHECK(done->complete());
  CHECK(done->received == 1000);
  CHECK(done->video_id == id);
  CHECK(uploads.incomplete_ids().empty());
  uploads.set_received(upload.id, 10);  // ignored once complete
  CHECK(uploads.find(upload.id)->received == 1000);
  CHECK(uploads.remove(upload.id));
  CHECK_FALSE(uploads.find(upload.id));
}

#include "catalog/cluster_state_repository.hpp"

#include <doctest/doctest.h>

#include <thread>

#include "catalog/catalog.hpp"
#include "catalog/lease_repository.hpp"
#include "catalog/login_attempt_repository.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;

TEST_CASE("cluster state: channels live on other nodes, from their leases") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto studio = catalog.channels().create("studio", "The studio").channel;
  const auto stage = catalog.channels().create("stage", "").channel;
  LeaseRepository leases(catalog.database());
  ClusterStateRepository state(catalog.database());

  REQUIRE(leases.acquire(studio.id, "a", "http://a", 60'000));
  const auto b = leases.acquire(stage.id, "b", "http://b", 60'000);
  REQUIRE(b);
  auto elsewhere = state.live_elsewhere("a");
  REQUIRE(elsewhere.size() == 1);
  CHECK(elsewhere[0].channel == "stage");
  CHECK(elsewhere[0].node == "b");
  elsewhere = state.live_elsewhere("b");
  REQUIRE(elsewhere.size() == 1);
  CHECK(elsewhere[0].channel == "studio");
  CHECK(elsewhere[0].title == "The studio");
  // Ended (released) or expired: not live anywhere.
  leases.release(stage.id, "b", b->epoch);
  CHECK(state.live_elsewhere("a").empty());
}

TEST_CASE("cluster state: viewers add up over the nodes that reported lately") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  ClusterStateRepository state(catalog.database());

  state.report_viewers("a", {{"studio", 2}, {"stage", 1}});
  state.report_viewers("b", {{"studio", 3}});
  auto totals = state.viewer_totals(5'000);
  CHECK(totals["studio"] == 5);
  CHECK(totals["stage"] == 1);
  // a's next report has no stage viewers: its row goes.
  state.report_viewers("a", {{"studio", 1}});
  totals = state.viewer_totals(5'000);
  CHECK(totals["studio"] == 4);
  CHECK(totals.count("stage") == 0);
  // A node that stopped reporting (dead) stops counting, and its rows are deleted later.
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  state.report_viewers("b", {{"studio", 3}});
  CHECK(state.viewer_totals(40)["studio"] == 3);
  state.viewer_totals(5'000, 30);  // forgets rows older than 30 ms: a's
  CHECK(state.viewer_totals(5'000)["studio"] == 3);
}

TEST_CASE("login attempts: one limit per address, whichever node counts them") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  LoginAttemptRepository node_a(catalog.database());
  LoginAttemptRepository node_b(catalog.database());
  CHECK(node_a.attempt("192.0.2.1", 3) == 0);
  CHECK(node_b.attempt("192.0.2.1", 3) == 0);
  CHECK(node_a.attempt("192.0.2.1", 3) == 0);
  const auto wait = node_b.attempt("192.0.2.1", 3);
  CHECK(wait >= 59);
  CHECK(wait <= 60);
  CHECK(node_a.attempt("192.0.2.1", 3) > 0);      // refused attempts are not counted, still refused
  CHECK(node_b.attempt("198.51.100.7", 3) == 0);  // another address has its own count
}

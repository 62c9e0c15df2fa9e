#include "cluster/cluster_state.hpp"

#include <doctest/doctest.h>

using namespace tidecast;

TEST_CASE("relay viewers: distinct addresses per channel; none for internal calls") {
  cluster::RelayViewers viewers;
  viewers.note("studio", "192.0.2.1");
  viewers.note("studio", "192.0.2.1");
  viewers.note("studio", "192.0.2.2");
  viewers.note("stage", "192.0.2.1");
  viewers.note("stage", "");  // another node (no client address): not a viewer
  auto counts = viewers.counts();
  CHECK(counts["studio"] == 2);
  CHECK(counts["stage"] == 1);
}

TEST_CASE("cluster state: what the live service asks, as last refreshed") {
  cluster::ClusterState state;
  CHECK(state.live_elsewhere().empty());
  CHECK_FALSE(state.viewers("studio"));
  state.replace({{"studio", "Studio", "n2"}}, {{"studio", 7}});
  REQUIRE(state.live_elsewhere().size() == 1);
  CHECK(state.live_elsewhere()[0].node == "n2");
  CHECK(state.viewers("studio") == 7u);
  CHECK_FALSE(state.viewers("stage"));
}

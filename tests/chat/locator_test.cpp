#include "chat/locator.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace tidecast::chat;

TEST_CASE("chat locator: rendezvous choice is stable and moves only a leaving node's rooms") {
  const std::vector<NodeAddress> three{{"n1", "http://1"}, {"n2", "http://2"}, {"n3", "http://3"}};
  const std::vector<NodeAddress> reordered{{"n3", "http://3"}, {"n1", "http://1"}, {"n2", "http://2"}};
  const std::vector<NodeAddress> without_n2{{"n1", "http://1"}, {"n3", "http://3"}};
  std::map<std::string, int> per_node;
  for (int i = 0; i < 300; ++i) {
    const std::string channel = "channel-" + std::to_string(i);
    const std::string chosen = rendezvous_node(channel, three);
    CHECK(chosen == rendezvous_node(channel, reordered));  // every node agrees, whatever its list order
    ++per_node[chosen];
    const std::string after = rendezvous_node(channel, without_n2);
    if (chosen != "n2") CHECK(after == chosen);
  }
  for (const auto& [node, count] : per_node) CHECK(count > 50);  // spread over all three
  CHECK(rendezvous_node("x", {}).empty());
}

TEST_CASE("chat locator: the owner while live, else the rendezvous node") {
  std::optional<NodeAddress> owner;
  const std::vector<NodeAddress> nodes{{"n1", "http://1"}, {"n2", "http://2"}};
  ClusterRooms on_n1(
      "n1", [&](const std::string&) { return owner; }, [&] { return nodes; });
  ClusterRooms on_n2(
      "n2", [&](const std::string&) { return owner; }, [&] { return nodes; });
  // Offline: both nodes name the same host, exactly one of them local.
  const auto a = on_n1.locate("studio");
  const auto b = on_n2.locate("studio");
  CHECK(a.node == b.node);
  CHECK(a.local != b.local);
  // Live on n2: n2 hosts it, n1 relays there.
  owner = NodeAddress{"n2", "http://2"};
  CHECK_FALSE(on_n1.locate("studio").local);
  CHECK(on_n1.locate("studio").url == "http://2");
  CHECK(on_n2.locate("studio").local);
  CHECK(LocalRooms().locate("studio").local);
}

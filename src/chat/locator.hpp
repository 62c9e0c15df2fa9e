#pragma once
// Where a channel's chat room lives. One room per channel in the whole
// cluster, never one per process: the channel's lease holder while it is
// live, else the node a rendezvous hash picks among the live nodes (every
// node computes the same answer from the same list). A node that is not the
// room's relays its clients there (docs/ARCHITECTURE.md, "Chat").
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tidecast::chat {

struct RoomPlace {
  bool local = true;
  std::string node = {};  // the hosting node (cluster only)
  std::string url = {};   // its internal URL (cluster only, when not local)
};

class RoomLocator {
 public:
  virtual ~RoomLocator() = default;
  virtual RoomPlace locate(const std::string& channel) = 0;
};

// A single box: every room is here.
class LocalRooms : public RoomLocator {
 public:
  RoomPlace locate(const std::string&) override { return {}; }
};

struct NodeAddress {
  std::string node = {};
  std::string url = {};
};

// Highest-random-weight choice of a node for `key`: stable while the node
// list is, and a node leaving moves only its own keys. Empty when no nodes.
std::string rendezvous_node(std::string_view key, const std::vector<NodeAddress>& nodes);

// A cluster node: the owner (lease holder) when live, else the rendezvous choice.
class ClusterRooms : public RoomLocator {
 public:
  using OwnerLookup = std::function<std::optional<NodeAddress>(const std::string& channel)>;
  using NodesLookup = std::function<std::vector<NodeAddress>()>;  // nodes seen alive lately

  ClusterRooms(std::string self, OwnerLookup owner, NodesLookup nodes)
      : self_(std::move(self)), owner_(std::move(owner)), nodes_(std::move(nodes)) {}
  RoomPlace locate(const std::string& channel) override;

 private:
  std::string self_;
  OwnerLookup owner_;
  NodesLookup nodes_;
};

}  // namespace tidecast::chat

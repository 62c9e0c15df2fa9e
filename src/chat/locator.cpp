#include "chat/locator.hpp"

#include <cstdint>

namespace tidecast::chat {

namespace {
// FNV-1a, then splitmix64's finalizer: the same on every node and platform.
std::uint64_t weight(std::string_view key, std::string_view node) {
  std::uint64_t h = 1469598103934665603ULL;
  const auto feed = [&](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  feed(key);
  feed(std::string_view("\0", 1));
  feed(node);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}
}  // namespace

std::string rendezvous_node(std::string_view key, const std::vector<NodeAddress>& nodes) {
  const NodeAddress* best = nullptr;
  std::uint64_t best_weight = 0;
  for (const NodeAddress& candidate : nodes) {
    const std::uint64_t w = weight(key, candidate.node);
    // Ties (practically impossible) go to the smaller name, so every node agrees.
    if (!best || w > best_weight || (w == best_weight && candidate.node < best->node)) {
      best = &candidate;
      best_weight = w;
    }
  }
  return best ? best->node : std::string();
}

RoomPlace ClusterRooms::locate(const std::string& channel) {
  if (auto owner = owner_(channel)) {
    return {.local = owner->node == self_, .node = owner->node, .url = owner->url};
  }
  const auto nodes = nodes_();
  const std::string chosen = rendezvous_node(channel, nodes);
  if (chosen.empty() || chosen == self_) return {.local = true, .node = self_, .url = {}};
  for (const NodeAddress& n : nodes) {
    if (n.node == chosen) return {.local = false, .node = n.node, .url = n.url};
  }
  return {.local = true, .node = self_, .url = {}};
}

}  // namespace tidecast::chat

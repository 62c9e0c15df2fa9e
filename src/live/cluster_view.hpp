#pragma once
// What a cluster knows about live channels beyond this node: channels live on
// other nodes (their owners' leases) and viewer counts summed over every node.
// The live service answers with its own channels alone on a single box.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tidecast::live {

struct RemoteChannel {
  std::string channel;
  std::string title;
  std::string node;  // its owner
};

class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // Channels publishing on other nodes now.
  virtual std::vector<RemoteChannel> live_elsewhere() const = 0;
  // The channel's viewers on every node (each node's last report); nullopt
  // when the cluster has no count for it (this node's own count stands).
  virtual std::optional<std::size_t> viewers(std::string_view channel) const = 0;
};

}  // namespace tidecast::live

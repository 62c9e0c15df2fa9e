#pragma once
// What one node knows of the others' live channels, for the web UI and the
// events stream: the channels live elsewhere (their leases) and the viewers
// summed over every node, refreshed from the catalog every second. Viewers
// of a channel this node relays (pulls from its owner) are counted here, as
// the owner counts its own: distinct client addresses that fetched the master
// playlist or the manifest in the last 30 seconds.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "live/cluster_view.hpp"

namespace tidecast::cluster {

class RelayViewers {
 public:
  void note(const std::string& channel, const std::string& address);
  // Per channel, the addresses seen in the last 30 s (older ones are forgotten).
  std::map<std::string, std::size_t> counts();

 private:
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::chrono::steady_clock::time_point>> seen_;
};

class ClusterState : public live::ClusterView {
 public:
  void replace(std::vector<live::RemoteChannel> live, std::map<std::string, std::size_t, std::less<>> viewers);

  std::vector<live::RemoteChannel> live_elsewhere() const override;
  std::optional<std::size_t> viewers(std::string_view channel) const override;

 private:
  mutable std::mutex mutex_;
  std::vector<live::RemoteChannel> live_;
  std::map<std::string, std::size_t, std::less<>> viewers_;
};

}  // namespace tidecast::cluster

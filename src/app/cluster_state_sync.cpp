#include "app/cluster_state_sync.hpp"

#include "catalog/cluster_state_repository.hpp"

namespace tidecast::app {

namespace {
// A node's counts stop counting this long after its last report (it died).
constexpr std::int64_t kFreshMs = 5'000;
}  // namespace

ClusterStateSync::ClusterStateSync(catalog::Database& db, const std::string& node, live::LiveService& live,
                                   std::function<bool(const std::string&)> owns)
    : db_(db), node_(node), live_(live), owns_(std::move(owns)) {
  live_.set_cluster_view(&state_);
}

ClusterStateSync::~ClusterStateSync() {
  live_.set_cluster_view(nullptr);
}

void ClusterStateSync::refresh() {
  std::map<std::string, std::int64_t> counts;
  for (const auto& [channel, viewers] : relay_.counts()) counts[channel] += static_cast<std::int64_t>(viewers);
  for (const auto& channel : live_.live_channels()) {
    const std::string& name = channel->channel().name;
    if (owns_(name)) counts[name] += static_cast<std::int64_t>(channel->viewers());
  }
  catalog::ClusterStateRepository repo(db_);
  repo.report_viewers(node_, counts);
  std::map<std::string, std::size_t, std::less<>> totals;
  for (const auto& [channel, viewers] : repo.viewer_totals(kFreshMs)) {
    totals[channel] = static_cast<std::size_t>(std::max<std::int64_t>(viewers, 0));
  }
  std::vector<live::RemoteChannel> remote;
  for (auto& row : repo.live_elsewhere(node_)) {
    remote.push_back({std::move(row.channel), std::move(row.title), std::move(row.node)});
  }
  state_.replace(std::move(remote), std::move(totals));
}

}  // namespace tidecast::app

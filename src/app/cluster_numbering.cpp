#include "app/cluster_numbering.hpp"

#include <algorithm>
#include <limits>

#include "catalog/numbering_repository.hpp"

namespace tidecast::app {

namespace {

std::uint32_t narrow(std::int64_t value) {
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(value, 0, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

class ClusterNumbering::Store : public cluster::NumberingStore {
 public:
  Store(catalog::Database& db, const std::string& node) : repo_(db), node_(node) {}

  std::optional<live::Numbering> read(std::int64_t channel_id, std::int64_t epoch) override {
    const auto row = repo_.read(channel_id, node_, epoch);
    if (!row) return std::nullopt;
    live::Numbering out;
    out.media_sequence = narrow(row->next_sequence);
    out.discontinuity_sequence = narrow(row->next_discontinuity);
    out.period = narrow(row->next_period);
    return out;
  }
  bool raise(std::int64_t channel_id, std::int64_t epoch, const live::Numbering& floor) override {
    catalog::ChannelNumbering row;
    row.next_sequence = floor.media_sequence;
    row.next_discontinuity = floor.discontinuity_sequence;
    row.next_period = floor.period;
    return repo_.raise(channel_id, node_, epoch, row);
  }

 private:
  catalog::NumberingRepository repo_;
  const std::string& node_;
};

ClusterNumbering::ClusterNumbering(catalog::Database& db, const std::string& node, cluster::LeaseKeeper& keeper,
                                   live::LiveService& live, std::chrono::milliseconds lease_ttl, core::Logger& log)
    : live_(live), store_(std::make_unique<Store>(db, node)) {
  const auto reserve =
      cluster::numbering_reserve(lease_ttl, live.options().channel.segment_seconds, std::chrono::seconds(1));
  numbering_ = std::make_unique<cluster::LeaseNumbering>(
      *store_, keeper,
      [&live](const std::string& channel) -> std::optional<live::Numbering> {
        const auto presentation = live.find(channel);
        if (!presentation) return std::nullopt;
        return presentation->numbering();
      },
      reserve, log);
  live.set_numbering(numbering_.get());
}

ClusterNumbering::~ClusterNumbering() {
  live_.set_numbering(nullptr);
}

}  // namespace tidecast::app

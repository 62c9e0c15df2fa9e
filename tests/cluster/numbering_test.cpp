#include "cluster/numbering.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "app/cluster_numbering.hpp"
#include "catalog/catalog.hpp"
#include "catalog/lease_repository.hpp"
#include "catalog/numbering_repository.hpp"
#include "core/log.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast;
using tidecast::test::TempDir;

namespace {

class Leases : public cluster::LeaseStore {
 public:
  Leases(catalog::Database& db, std::string node) : repo_(db), node_(std::move(node)) {}
  std::optional<std::int64_t> acquire(std::int64_t channel_id, std::string& holder) override {
    if (auto lease = repo_.acquire(channel_id, node_, "http://" + node_, 60'000)) return lease->epoch;
    holder = repo_.find(channel_id)->node;
    return std::nullopt;
  }
  bool renew(std::int64_t channel_id, std::int64_t epoch) override {
    return repo_.renew(channel_id, node_, epoch, 60'000);
  }
  void release(std::int64_t channel_id, std::int64_t epoch) override { repo_.release(channel_id, node_, epoch); }
  // As if the lease ran out without a release (the node was killed).
  void expire(std::int64_t channel_id, std::int64_t epoch) { repo_.renew(channel_id, node_, epoch, -1); }

 private:
  catalog::LeaseRepository repo_;
  std::string node_;
};

class Store : public cluster::NumberingStore {
 public:
  Store(catalog::Database& db, std::string node) : repo_(db), node_(std::move(node)) {}
  std::optional<live::Numbering> read(std::int64_t channel_id, std::int64_t epoch) override {
    const auto row = repo_.read(channel_id, node_, epoch);
    if (!row) return std::nullopt;
    return live::Numbering{static_cast<std::uint32_t>(row->next_sequence),
                           static_cast<std::uint32_t>(row->next_discontinuity),
                           static_cast<std::uint32_t>(row->next_period)};
  }
  bool raise(std::int64_t channel_id, std::int64_t epoch, const live::Numbering& floor) override {
    return repo_.raise(channel_id, node_, epoch, {floor.media_sequence, floor.discontinuity_sequence, floor.period});
  }

 private:
  catalog::NumberingRepository repo_;
  std::string node_;
};

// One node: its keeper, numbering, and the numbering its "presentation" reached.
struct Node {
  Node(boost::asio::io_context& ioc, core::Logger& log, catalog::Database& db, const std::string& name,
       std::uint32_t clock)
      : leases(db, name),
        store(db, name),
        keeper(ioc, log, leases, std::chrono::seconds(60)),
        numbering(
            store, keeper, [this](const std::string&) -> std::optional<live::Numbering> { return current; },
            cluster::NumberingReserve{10, 2, 30}, log, [clock] { return clock; }) {}
  Leases leases;
  Store store;
  cluster::LeaseKeeper keeper;
  cluster::LeaseNumbering numbering;
  std::optional<live::Numbering> current;
};

}  // namespace

TEST_CASE("numbering reserve: covers what an owner can publish until it stops") {
  const auto reserve = cluster::numbering_reserve(std::chrono::seconds(3), 2.0, std::chrono::seconds(1));
  // 3 s lease + 1 s between records + 6 s of queued media, 2-s segments: 5, plus 2.
  CHECK(reserve.segments == 7);
  CHECK(reserve.seconds == 12);
  const auto floor = cluster::numbering_floor({100, 4, 1'000}, reserve, 2'000);
  CHECK(floor.media_sequence == 107);
  CHECK(floor.discontinuity_sequence == 6);
  CHECK(floor.period == 2'012);
  CHECK(cluster::numbering_floor({100, 4, 9'000}, reserve, 2'000).period == 9'000);
}

TEST_CASE("numbering: a new owner starts above everything the old one could publish") {
  TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  const auto channel = catalog.channels().create("studio", "").channel;
  const live::ChannelRef ref{channel.id, "studio", "", {}, {}};
  core::Logger log;
  boost::asio::io_context ioc;
  Node a(ioc, log, catalog.database(), "a", 1'000);
  Node b(ioc, log, catalog.database(), "b", 1'005);

  // Without the lease there is no start: the publish is refused.
  CHECK_THROWS(a.numbering.begin(ref));

  std::string holder;
  const auto epoch_a = a.keeper.acquire(channel.id, "studio", holder);
  REQUIRE(epoch_a);
  const auto first = a.numbering.begin(ref);
  REQUIRE(first);
  CHECK(first->start.media_sequence == 0);
  CHECK(first->start.discontinuity_sequence == 0);
  CHECK(first->resumable);

  // a publishes 25 segments in 2 periods and records as it goes.
  a.current = live::Numbering{25, 2, 1'001};
  a.numbering.record_all();
  // ...then dies (kill -9: no release), having published 3 more segments unrecorded.
  a.leases.expire(channel.id, *epoch_a);

  const auto epoch_b = b.keeper.acquire(channel.id, "studio", holder);
  REQUIRE(epoch_b);
  const auto second = b.numbering.begin(ref);
  REQUIRE(second);
  CHECK(second->start.media_sequence == 35);         // 25 + the 10 reserved: past a's 28
  CHECK(second->start.discontinuity_sequence == 4);  // a's periods had 0 and 1 (2 and 3 reserved)
  CHECK(second->start.period == 1'030);              // past any id a's clock could mint before it stopped

  // a comes back (paused, not dead): its records are refused, b's numbers hold.
  a.current = live::Numbering{60, 9, 5'000};
  a.numbering.record_all();
  catalog::NumberingRepository repo(catalog.database());
  CHECK(repo.read(channel.id, "b", *epoch_b)->next_sequence == 45);  // b's own reservation at its start

  // Back to a after b: a presentation still waiting on a must not resume.
  b.leases.expire(channel.id, *epoch_b);
  b.keeper.release(channel.id, *epoch_b);
  const auto epoch_a2 = a.keeper.acquire(channel.id, "studio", holder);
  REQUIRE(epoch_a2);
  const auto third = a.numbering.begin(ref);
  REQUIRE(third);
  CHECK_FALSE(third->resumable);
  CHECK(third->start.media_sequence == 45);
  // a's own reconnect right after its own lease: it may resume.
  a.keeper.release(channel.id, *epoch_a2);
  REQUIRE(a.keeper.acquire(channel.id, "studio", holder));
  CHECK(a.numbering.begin(ref)->resumable);
}

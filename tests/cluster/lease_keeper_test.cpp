#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "catalog/catalog.hpp"
#include "catalog/lease_repository.hpp"
#include "cluster/ownership.hpp"
#include "core/log.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast;
using tidecast::test::TempDir;

namespace {

// The keeper's store over a real catalog, as the composition root builds it.
class Store : public cluster::LeaseStore {
 public:
  Store(catalog::Database& db, std::string node, std::int64_t ttl_ms)
      : repo_(db), node_(std::move(node)), ttl_(ttl_ms) {}
  std::optional<std::int64_t> acquire(std::int64_t channel_id, std::string& holder) override {
    if (auto lease = repo_.acquire(channel_id, node_, "http://" + node_, ttl_)) return lease->epoch;
    holder = repo_.find(channel_id)->node;
    return std::nullopt;
  }
  bool renew(std::int64_t channel_id, std::int64_t epoch) override {
    ++renewals;
    return repo_.renew(channel_id, node_, epoch, ttl_);
  }
  void release(std::int64_t channel_id, std::int64_t epoch) override { repo_.release(channel_id, node_, epoch); }
  int renewals = 0;

 private:
  catalog::LeaseRepository repo_;
  std::string node_;
  std::int64_t ttl_;
};

}  // namespace

TEST_CASE("lease keeper: renews in time, refuses a held channel, fences itself when another node took over") {
  TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  const auto channel = catalog.channels().create("studio", "").channel;
  core::Logger log;
  boost::asio::io_context ioc;
  Store store_a(catalog.database(), "a", 300);
  Store store_b(catalog.database(), "b", 300);
  cluster::LeaseKeeper a(ioc, log, store_a, std::chrono::milliseconds(300));
  cluster::LeaseKeeper b(ioc, log, store_b, std::chrono::milliseconds(300));

  std::string holder;
  const auto epoch = a.acquire(channel.id, "studio", holder);
  REQUIRE(epoch);
  CHECK(a.owns("studio"));
  CHECK_FALSE(a.fenced(channel.id, *epoch));
  CHECK_FALSE(b.acquire(channel.id, "studio", holder));
  CHECK(holder == "a");

  // Renewals (every 100 ms) keep it alive well past its 300-ms lifetime.
  a.start();
  ioc.run_for(std::chrono::milliseconds(700));
  CHECK(store_a.renewals >= 4);
  CHECK(a.owns("studio"));
  CHECK_FALSE(a.fenced(channel.id, *epoch));

  // a stops renewing (as if paused): fenced by its own clock once the lifetime passed...
  a.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  CHECK(a.fenced(channel.id, *epoch));
  CHECK_FALSE(a.owns("studio"));
  // ...and b takes the channel over in the catalog.
  const auto taken = b.acquire(channel.id, "studio", holder);
  REQUIRE(taken);
  CHECK(*taken == *epoch + 1);
  // a's late release does not touch b's lease.
  a.release(channel.id, *epoch);
  catalog::LeaseRepository leases(catalog.database());
  CHECK(leases.find(channel.id)->node == "b");
  CHECK(leases.find(channel.id)->live);
}

TEST_CASE("lease keeper: a renewal the catalog refuses (the epoch moved on) fences at once") {
  TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  const auto channel = catalog.channels().create("studio", "").channel;
  core::Logger log;
  boost::asio::io_context ioc;
  Store store_a(catalog.database(), "a", 600);
  cluster::LeaseKeeper a(ioc, log, store_a, std::chrono::milliseconds(600));
  std::string holder;
  const auto epoch = a.acquire(channel.id, "studio", holder);
  REQUIRE(epoch);
  // Another node took the channel while a could not see it (a partition).
  catalog::LeaseRepository leases(catalog.database());
  REQUIRE(leases.renew(channel.id, "a", *epoch, -1));
  REQUIRE(leases.acquire(channel.id, "b", "http://b", 60'000));
  CHECK_FALSE(a.fenced(channel.id, *epoch));  // a does not know yet
  a.start();
  ioc.run_for(std::chrono::milliseconds(300));  // one renewal (after 200 ms), refused
  CHECK(store_a.renewals == 1);
  CHECK(a.fenced(channel.id, *epoch));  // well before its own clock would say so
  CHECK_FALSE(a.owns("studio"));
  a.stop();
}

#include "catalog/lease_repository.hpp"

#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;

TEST_CASE("leases: one owner at a time; a lost lease fences its old holder") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto channel = catalog.channels().create("studio", "Studio").channel;
  LeaseRepository leases(catalog.database());

  const auto a = leases.acquire(channel.id, "a", "http://a", 60'000);
  REQUIRE(a);
  CHECK(a->epoch == 1);
  CHECK(a->live);
  CHECK_FALSE(leases.acquire(channel.id, "b", "http://b", 60'000));  // a holds it
  CHECK(leases.renew(channel.id, "a", a->epoch, 60'000));
  CHECK(leases.find_by_channel_name("studio")->node == "a");
  CHECK(leases.live_leases().size() == 1);

  // Periods are numbered by the lease row, so every owner continues the count.
  CHECK(leases.next_period(channel.id, "a", a->epoch) == 1);
  CHECK(leases.next_period(channel.id, "a", a->epoch) == 2);

  // a's lease runs out (here: a TTL in the past); b takes over with a new epoch.
  CHECK(leases.renew(channel.id, "a", a->epoch, -1));
  const auto b = leases.acquire(channel.id, "b", "http://b", 60'000);
  REQUIRE(b);
  CHECK(b->epoch == 2);
  // a wakes up: every write it tries is refused.
  CHECK_FALSE(leases.renew(channel.id, "a", a->epoch, 60'000));
  CHECK_FALSE(leases.next_period(channel.id, "a", a->epoch));
  leases.release(channel.id, "a", a->epoch);  // no effect on b's lease
  CHECK(leases.find(channel.id)->live);
  CHECK(leases.next_period(channel.id, "b", b->epoch) == 3);

  // A node takes its own lease back at once (it restarted), with a new epoch.
  const auto again = leases.acquire(channel.id, "b", "http://b", 60'000);
  REQUIRE(again);
  CHECK(again->epoch == 3);
  CHECK_FALSE(leases.renew(channel.id, "b", b->epoch, 60'000));

  // Released: free for anyone, the epoch keeps counting.
  leases.release(channel.id, "b", again->epoch);
  CHECK_FALSE(leases.find(channel.id)->live);
  CHECK(leases.live_leases().empty());
  const auto c = leases.acquire(channel.id, "c", "http://c", 60'000);
  REQUIRE(c);
  CHECK(c->epoch == 4);
}

TEST_CASE("leases: deleting the channel drops its lease") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto channel = catalog.channels().create("gone", "").channel;
  LeaseRepository leases(catalog.database());
  REQUIRE(leases.acquire(channel.id, "a", "http://a", 60'000));
  CHECK(catalog.channels().remove("gone"));
  CHECK_FALSE(leases.find(channel.id));
}

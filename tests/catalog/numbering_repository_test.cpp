#include "catalog/numbering_repository.hpp"

#include <doctest/doctest.h>

#include "catalog/catalog.hpp"
#include "catalog/lease_repository.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;

TEST_CASE("numbering: the owner raises it, never lowers it, and the next owner reads it") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto channel = catalog.channels().create("studio", "Studio").channel;
  LeaseRepository leases(catalog.database());
  NumberingRepository numbering(catalog.database());

  const auto a = leases.acquire(channel.id, "a", "http://a", 60'000);
  REQUIRE(a);
  const auto fresh = numbering.read(channel.id, "a", a->epoch);
  REQUIRE(fresh);
  CHECK(fresh->next_sequence == 0);
  CHECK(fresh->next_discontinuity == 0);

  CHECK(numbering.raise(channel.id, "a", a->epoch, {40, 2, 1'700'000'000}));
  // A lower value (an older record arriving late) changes nothing.
  CHECK(numbering.raise(channel.id, "a", a->epoch, {30, 3, 1'600'000'000}));
  auto now = numbering.read(channel.id, "a", a->epoch);
  REQUIRE(now);
  CHECK(now->next_sequence == 40);
  CHECK(now->next_discontinuity == 3);
  CHECK(now->next_period == 1'700'000'000);

  // Released (the stream ended): the holder may still record its last numbers.
  leases.release(channel.id, "a", a->epoch);
  CHECK(numbering.raise(channel.id, "a", a->epoch, {45, 3, 0}));

  // b takes the channel: it reads a's numbers; a, fenced, neither reads nor writes.
  const auto b = leases.acquire(channel.id, "b", "http://b", 60'000);
  REQUIRE(b);
  const auto start = numbering.read(channel.id, "b", b->epoch);
  REQUIRE(start);
  CHECK(start->next_sequence == 45);
  CHECK(start->next_discontinuity == 3);
  CHECK(start->next_period == 1'700'000'000);
  CHECK_FALSE(numbering.raise(channel.id, "a", a->epoch, {1000, 9, 0}));
  CHECK_FALSE(numbering.read(channel.id, "a", a->epoch));
  CHECK(numbering.read(channel.id, "b", b->epoch)->next_sequence == 45);
}

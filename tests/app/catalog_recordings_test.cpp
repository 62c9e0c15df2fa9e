#include <doctest/doctest.h>

#include "app/catalog_adapters.hpp"
#include "catalog/catalog.hpp"
#include "catalog/cluster_node_repository.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast;

TEST_CASE("recordings: in a cluster a recording is stored on the ingest node that records it") {
  test::TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  const auto channel = catalog.channels().create("studio", "Studio").channel;
  app::CatalogRecordings recordings(catalog.videos(), catalog.channels());
  live::ChannelRef ref;
  ref.id = channel.id;
  ref.name = "studio";
  catalog::ClusterNodeRepository nodes(catalog.database());

  const auto local = recordings.begin_recording(ref);  // a single box: files are local
  CHECK_FALSE(nodes.stored_on(local));

  recordings.store_on("i2");
  const auto clustered = recordings.begin_recording(ref);
  REQUIRE(nodes.stored_on(clustered));
  CHECK(nodes.stored_on(clustered)->node == "i2");
  CHECK(catalog.videos().find(clustered)->stored_on == "i2");
}

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

TEST_CASE("recordings: in a cluster the recording's poster and storyboard are listed for the other nodes") {
  test::TempDir dir;
  catalog::Catalog catalog(test::test_catalog_location(dir));
  const auto channel = catalog.channels().create("studio", "Studio").channel;
  app::CatalogRecordings recordings(catalog.videos(), catalog.channels());
  live::ChannelRef ref;
  ref.id = channel.id;
  ref.name = "studio";
  live::RecordingSummary summary;
  summary.duration_ms = 12000;
  summary.extras = "poster.jpg,storyboard.vtt";

  const auto local = recordings.begin_recording(ref);
  recordings.finish_recording(local, summary);
  CHECK_FALSE(catalog.videos().find(local)->extras);  // a single box looks on its disk

  recordings.store_on("i2", &catalog.database());
  const auto clustered = recordings.begin_recording(ref);
  recordings.finish_recording(clustered, summary);
  const auto video = catalog.videos().find(clustered);
  CHECK(video->state == catalog::VideoState::ready);
  CHECK(video->extras == "poster.jpg,storyboard.vtt");
}

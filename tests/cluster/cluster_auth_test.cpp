#include "cluster/cluster_auth.hpp"

#include <doctest/doctest.h>

#include <thread>

#include "cluster/node_front.hpp"
#include "cluster/owner_directory.hpp"

using namespace tidecast::cluster;

TEST_CASE("cluster auth: a signed call verifies for that target, near that time, under that secret") {
  const ClusterAuth a("n1", "a secret of decent length");
  const ClusterAuth b("n2", "a secret of decent length");
  const std::string header = a.sign("GET", "/internal/v1/live/x/v0/1-2.m4s", 1000);
  const auto ok = b.verify(header, "GET", "/internal/v1/live/x/v0/1-2.m4s", 1010);
  CHECK(ok.ok());
  CHECK(ok.node == "n1");
  CHECK_FALSE(b.verify(header, "GET", "/internal/v1/live/x/v0/1-3.m4s", 1010).ok());  // another target
  CHECK_FALSE(b.verify(header, "HEAD", "/internal/v1/live/x/v0/1-2.m4s", 1010).ok());
  CHECK(b.verify(header, "GET", "/internal/v1/live/x/v0/1-2.m4s", 1061).error.find("off this node's clock") !=
        std::string::npos);
  const ClusterAuth other("n1", "another secret entirely");
  CHECK(other.verify(header, "GET", "/internal/v1/live/x/v0/1-2.m4s", 1000).error.find("wrong cluster signature") !=
        std::string::npos);
  CHECK(b.verify("", "GET", "/x", 1000).error == "no cluster signature");
  CHECK(b.verify("n1 notanumber abc", "GET", "/x", 1000).error == "malformed cluster signature");
  CHECK(b.verify("n1", "GET", "/x", 1000).error == "malformed cluster signature");
  CHECK(b.verify(std::string(600, 'x') + " 1 2", "GET", "/x", 1000).error == "malformed cluster signature");
}

TEST_CASE("the channel of a live URL is its second path level") {
  CHECK(live_channel_of("/live/studio/v0/media.m3u8") == "studio");
  CHECK(live_channel_of("/live/studio/master.m3u8?x=1") == "studio");
  CHECK(live_channel_of("/live/studio") == "");
  CHECK(live_channel_of("/live//x") == "");
  CHECK(live_channel_of("/vod/abc/master.m3u8") == "");
}

TEST_CASE("owner lookups are cached briefly, then asked again") {
  int asked = 0;
  OwnerDirectory owners(
      [&](const std::string& channel) -> std::optional<Owner> {
        ++asked;
        if (channel == "on") return Owner{"n2", "http://n2", 4};
        return std::nullopt;
      },
      std::chrono::milliseconds(50));
  CHECK(owners.owner_of("on")->node == "n2");
  CHECK(owners.owner_of("on")->epoch == 4);
  CHECK_FALSE(owners.owner_of("off"));
  CHECK_FALSE(owners.owner_of("off"));
  CHECK(asked == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(owners.owner_of("on"));
  CHECK(asked == 3);
  owners.forget("on");
  CHECK(owners.owner_of("on"));
  CHECK(asked == 4);
}

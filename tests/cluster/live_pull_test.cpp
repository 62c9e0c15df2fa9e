#include "cluster/live_pull.hpp"

#include <doctest/doctest.h>

using namespace tidecast;
using std::chrono::milliseconds;

TEST_CASE("live pull: only the low-latency query goes to the owner, in one spelling") {
  const milliseconds hold{6000};
  auto pull = cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_part=2&x=1&_HLS_msn=17", hold);
  REQUIRE(pull);
  CHECK(pull->target == "/live/c/v0/media.m3u8?_HLS_msn=17&_HLS_part=2");
  CHECK(pull->timeout == milliseconds(9000));  // held at most 6 s by the owner

  pull = cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_msn=17&_HLS_skip=YES", hold);
  REQUIRE(pull);
  CHECK(pull->target == "/live/c/v0/media.m3u8?_HLS_msn=17&_HLS_skip=YES");

  // Any other query costs nothing: same key as the bare path, the client's timeout.
  pull = cluster::live_pull_of("/live/c/v0/media.m3u8?cachebust=123", hold);
  REQUIRE(pull);
  CHECK(pull->target == "/live/c/v0/media.m3u8");
  CHECK(pull->timeout == milliseconds(9000));  // a plain LL playlist waits for the next part on the owner
  CHECK(cluster::live_pull_of("/live/c/master.m3u8", hold)->timeout == milliseconds(0));
  pull = cluster::live_pull_of("/live/c/v0/1700000000-4.m4s", hold);
  REQUIRE(pull);
  CHECK(pull->timeout == milliseconds(0));  // a whole segment by number is never held
}

TEST_CASE("live pull: parts and in-progress segments may be held by the owner") {
  const milliseconds hold{6000};
  CHECK(cluster::live_pull_of("/live/c/v0/1700000000-4.2.m4s", hold)->timeout == milliseconds(9000));
  CHECK(cluster::live_pull_of("/live/c/v0/1700000000-t123456.m4s", hold)->timeout == milliseconds(9000));
  CHECK(cluster::live_pull_of("/live/c/v0/init.mp4", hold)->timeout == milliseconds(0));
}

TEST_CASE("live pull: garbage low-latency values are refused before any fetch") {
  const milliseconds hold{6000};
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_msn=-1", hold));
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_msn=abc", hold));
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_msn=", hold));
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_msn=1&_HLS_part=99999999999", hold));
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_msn=1&_HLS_skip=NO", hold));
}

TEST_CASE("live pull: only the MPD's name of a segment is relayed part by part") {
  const milliseconds hold{6000};
  CHECK(cluster::live_pull_of("/live/c/v0/1700000000-t123456.m4s", hold)->streamable);
  CHECK(cluster::live_pull_of("/live/c/v0/1700000000-t123456.m4s?x=1", hold)->streamable);
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/1700000000-4.2.m4s", hold)->streamable);  // a part: one answer
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/1700000000-4.m4s", hold)->streamable);    // complete by number
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/init.mp4", hold)->streamable);
  CHECK_FALSE(cluster::live_pull_of("/live/c/v0/media.m3u8?_HLS_msn=3", hold)->streamable);
  CHECK_FALSE(cluster::live_pull_of("/live/c/manifest.mpd", hold)->streamable);
}

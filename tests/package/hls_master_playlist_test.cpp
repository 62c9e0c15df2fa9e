#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "package/hls_playlist.hpp"

using namespace tidecast;

namespace {

package::TrackDescription video(std::string id, int height, std::uint64_t bandwidth) {
  package::TrackDescription t;
  t.kind = media::TrackKind::video;
  t.id = std::move(id);
  t.codecs = "avc1.64001f";
  t.width = height * 16 / 9;
  t.height = height;
  t.peak_bandwidth = bandwidth;
  t.average_bandwidth = bandwidth;
  return t;
}

std::vector<std::string> variant_uris(const std::string& master) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < master.size()) {
    const std::size_t end = master.find('\n', start);
    const std::string line = master.substr(start, end - start);
    if (!line.empty() && line.front() != '#') out.push_back(line.substr(0, line.find('/')));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("master playlist: the smallest rendition comes first, so players without an estimate start low") {
  package::Presentation p;
  p.tracks = {video("v0", 1080, 6'000'000), video("v1", 720, 3'000'000), video("v2", 360, 800'000),
              video("v3", 480, 1'400'000)};
  package::TrackDescription audio;
  audio.kind = media::TrackKind::audio;
  audio.id = "a0";
  audio.codecs = "mp4a.40.2";
  p.tracks.push_back(audio);
  const std::string master = package::hls_master_playlist(p);
  CHECK(variant_uris(master) == std::vector<std::string>{"v2", "v3", "v1", "v0"});
}

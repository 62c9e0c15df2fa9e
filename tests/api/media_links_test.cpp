#include "api/media_links.hpp"

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"
#include "vod/media_files.hpp"

using namespace tidecast;

TEST_CASE("media links: optional files from the catalog's list when it has one, else from this disk") {
  test::TempDir dir;
  core::UrlSigner signer(std::string(32, 'k'));
  api::MediaLinks links(dir.path() / "videos", signer, 3600);
  catalog::Video video;
  video.id = "abc";
  video.state = catalog::VideoState::ready;

  // A single box: what is on disk.
  std::filesystem::create_directories(dir.path() / "videos" / "abc");
  test::write_text(dir.path() / "videos" / "abc" / "poster.jpg", "jpg");
  auto urls = links.urls(video, 0);
  CHECK(urls["hls"] == "/vod/abc/master.m3u8");
  CHECK(urls["poster"] == "/vod/abc/poster.jpg");
  CHECK_FALSE(urls.contains("download"));

  // A cluster node without the files: the list the storage node recorded.
  video.extras = "download.mp4,storyboard.vtt";
  urls = links.urls(video, 0);
  CHECK(urls["download"] == "/vod/abc/download.mp4");
  CHECK(urls["storyboard"] == "/vod/abc/storyboard.vtt");
  CHECK_FALSE(urls.contains("poster"));
  video.extras = "";
  CHECK_FALSE(links.urls(video, 0).contains("download"));
}

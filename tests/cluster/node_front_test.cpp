#include "cluster/node_front.hpp"

#include <doctest/doctest.h>

using namespace tidecast;

TEST_CASE("node front: which requests name a video, and which are uploads") {
  CHECK(cluster::vod_video_of("/vod/abc/master.m3u8") == "abc");
  CHECK(cluster::vod_video_of("/vod/abc/~123-sig/v0/1.m4s") == "abc");
  CHECK(cluster::vod_video_of("/vod/abc") == "");
  CHECK(cluster::vod_video_of("/vod//x") == "");
  CHECK(cluster::vod_video_of("/live/abc/x") == "");

  using http::Verb;
  CHECK(cluster::is_upload_request(Verb::post, "/api/v1/uploads"));
  CHECK(cluster::is_upload_request(Verb::patch, "/api/v1/uploads/u1"));
  CHECK(cluster::is_upload_request(Verb::head, "/api/v1/uploads/u1"));
  CHECK(cluster::is_upload_request(Verb::post, "/api/v1/videos?filename=a.mp4"));
  CHECK_FALSE(cluster::is_upload_request(Verb::options, "/api/v1/uploads"));  // CORS preflight: any node
  CHECK_FALSE(cluster::is_upload_request(Verb::get, "/api/v1/videos"));
  CHECK_FALSE(cluster::is_upload_request(Verb::post, "/api/v1/videos/abc/retry"));
  CHECK_FALSE(cluster::is_upload_request(Verb::get, "/api/v1/uploadsx"));

  const auto refused = cluster::not_storage_response("n2");
  CHECK(refused.result() == http::Status::misdirected_request);
  CHECK(refused["X-Served-By"] == "n2");
}

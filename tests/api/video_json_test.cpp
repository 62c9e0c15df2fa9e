#include "api/video_json.hpp"

#include <doctest/doctest.h>

using namespace tidecast;

TEST_CASE("job progress figures read as people write them") {
  catalog::Job job;
  job.state = catalog::JobState::running;
  job.fps = 116.8000001;  // 1168 x 0.1 would be 116.80000000000001
  job.eta_seconds = 12.6;
  job.progress = 33.333;
  const std::string text = api::job_progress_json(job).dump();
  CAPTURE(text);
  CHECK(text.find("\"fps\":116.8,") != std::string::npos);
  CHECK(text.find("\"eta_seconds\":13.0") != std::string::npos);
}

TEST_CASE("a failed video tells whether a retry could help; every video has its views") {
  catalog::Video video;
  video.id = "abc";
  video.state = catalog::VideoState::failed;
  video.failure_reason = "not a media file";
  video.views = 7;
  auto json = api::video_json(video);
  CHECK(json["views"] == 7);
  CHECK(json["failure_code"] == "not_media");
  CHECK(json["retryable"] == false);
  video.failure_reason = "transcode output: No space left on device";
  json = api::video_json(video);
  CHECK(json["retryable"] == true);
  video.state = catalog::VideoState::ready;
  CHECK_FALSE(api::video_json(video).contains("retryable"));
}

#include "vod/vod_service.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "vod/job_runner.hpp"
#include "vod/media_files.hpp"

using namespace tidecast;
using tidecast::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Writes a fake output set; can fail, or wait until released.
class FakeConverter : public vod::Converter {
 public:
  vod::ConversionResult convert(const vod::ConversionRequest& request, const vod::ProgressCallback& progress) override {
    fs::create_directories(request.output_dir / "v0");
    std::ofstream(request.output_dir / "master.m3u8") << "#EXTM3U\n";
    std::ofstream(request.output_dir / "manifest.mpd") << "<MPD/>\n";
    std::ofstream(request.output_dir / "v0" / "init-0.mp4") << "init";
    if (progress) progress({1.0, 12.5, 50.0, 7.0});
    {
      std::unique_lock lock(mutex_);
      inputs.push_back(request.input.filename().string());
      ++running;
      changed_.notify_all();
      changed_.wait(lock, [&] { return !hold; });
      --running;
      if (failures > 0) {
        --failures;
        throw vod::ConversionError("disk full", retryable);
      }
    }
    return {8.0,
            320,
            240,
            {{"v0", "source", "video", "avc1.64000d", 320, 240, 400000},
             {"a0", "audio", "audio", "mp4a.40.2", 0, 0, 128000}}};
  }
  void release() {
    std::lock_guard lock(mutex_);
    hold = false;
    changed_.notify_all();
  }
  void wait_running() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return running > 0; });
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> inputs;
  int running = 0;
  bool hold = false;
  int failures = 0;
  bool retryable = true;
};

struct Fixture {
  TempDir dir;
  core::Logger log{core::LogLevel::off};
  catalog::Catalog catalog{dir.path() / "tidecast.db"};
  FakeConverter* converter = nullptr;
  std::unique_ptr<vod::VodService> service;
  fs::path clip = dir.path() / "clip.mp4";

  explicit Fixture(unsigned workers = 1) {
    REQUIRE(test::make_clip(clip, 1));
    open(workers);
  }
  void open(unsigned workers) {
    auto fake = std::make_unique<FakeConverter>();
    converter = fake.get();
    vod::VodOptions options;
    options.data_dir = dir.path();
    options.catalog_location = dir.path() / "tidecast.db";
    options.max_upload_bytes = 1 << 30;
    options.workers = workers;
    options.retry = {3, 10, 1000};
    options.nice = 0;
    service = std::make_unique<vod::VodService>(log, options, std::move(fake));
  }
  // A copy of the clip handed over as an upload.
  catalog::Video upload(const std::string& name, const fs::path& source = {}) {
    const fs::path file = dir.path() / ("incoming-" + name);
    fs::copy_file(source.empty() ? clip : source, file);
    return service->accept(file, {"", name, std::nullopt});
  }
  catalog::Video wait_done(const std::string& id) {
    for (int i = 0; i < 500; ++i) {
      const auto video = catalog.videos().find(id);
      if (video && (video->state == catalog::VideoState::ready || video->state == catalog::VideoState::failed)) {
        return *video;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("video never finished");
    return {};
  }
};

}  // namespace

TEST_CASE("an accepted upload is converted, published by rename, and recorded in one go") {
  Fixture f;
  f.service->start();
  const auto video = f.upload("holiday.mp4");
  CHECK(video.state == catalog::VideoState::pending);
  CHECK(video.title == "holiday");
  const auto done = f.wait_done(video.id);
  CHECK(done.state == catalog::VideoState::ready);
  CHECK(done.duration_ms == 8000);
  CHECK(done.width == 320);
  CHECK(f.catalog.videos().renditions(video.id).size() == 2);
  CHECK(fs::exists(f.dir.path() / "videos" / video.id / "master.m3u8"));
  CHECK_FALSE(fs::exists(vod::temp_output_dir(f.dir.path() / "videos", video.id)));
  CHECK(fs::exists(f.dir.path() / "originals" / video.id));  // kept until deleted
  const auto job = f.catalog.jobs().latest_for_video(video.id);
  CHECK(job->state == catalog::JobState::done);
  CHECK(job->progress == 100);

  CHECK(f.service->delete_video(video.id));
  CHECK_FALSE(f.catalog.videos().find(video.id));
  CHECK_FALSE(fs::exists(f.dir.path() / "videos" / video.id));
  CHECK_FALSE(fs::exists(f.dir.path() / "originals" / video.id));
  CHECK_FALSE(f.service->delete_video(video.id));
}

TEST_CASE("unusable files fail at once, even with every worker busy or none at all") {
  Fixture f(/*workers=*/0);
  f.service->start();
  test::write_text(f.dir.path() / "notes.txt", "not a video");
  test::write_text(f.dir.path() / "zero", "");
  const auto text = f.upload("notes.mp4", f.dir.path() / "notes.txt");
  const auto empty = f.upload("empty.mp4", f.dir.path() / "zero");
  const auto good = f.upload("good.mp4");
  CHECK(f.wait_done(text.id).failure_reason == "not a media file");
  CHECK(f.wait_done(empty.id).failure_reason == "empty file (0 bytes)");
  CHECK(f.catalog.jobs().latest_for_video(text.id)->state == catalog::JobState::failed);
  CHECK(f.catalog.jobs().latest_for_video(good.id)->state == catalog::JobState::queued);
}

TEST_CASE("with one worker, uploads are converted in the order they arrived") {
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(f.upload("clip" + std::to_string(i) + ".mp4").id);
  f.service->start();
  for (const auto& id : ids) CHECK(f.wait_done(id).state == catalog::VideoState::ready);
  CHECK(f.converter->inputs == ids);
}

TEST_CASE("a failing conversion is retried with backoff, then succeeds; a permanent failure is final") {
  Fixture f;
  f.converter->failures = 2;
  f.service->start();
  const auto video = f.upload("flaky.mp4");
  CHECK(f.wait_done(video.id).state == catalog::VideoState::ready);
  CHECK(f.catalog.jobs().latest_for_video(video.id)->attempts == 3);

  f.converter->failures = 1;
  f.converter->retryable = false;
  const auto bad = f.upload("bad.mp4");
  const auto failed = f.wait_done(bad.id);
  CHECK(failed.state == catalog::VideoState::failed);
  CHECK(failed.failure_reason == "disk full");
  CHECK(f.catalog.jobs().latest_for_video(bad.id)->attempts == 1);
  CHECK_FALSE(fs::exists(vod::temp_output_dir(f.dir.path() / "videos", bad.id)));
}

TEST_CASE("a video deleted during its conversion leaves no files behind") {
  Fixture f;
  f.converter->hold = true;
  f.service->start();
  const auto video = f.upload("gone.mp4");
  f.converter->wait_running();
  CHECK(fs::exists(vod::temp_output_dir(f.dir.path() / "videos", video.id)));
  CHECK(f.service->delete_video(video.id));
  f.converter->release();
  f.service->stop();
  CHECK_FALSE(fs::exists(vod::temp_output_dir(f.dir.path() / "videos", video.id)));
  CHECK_FALSE(fs::exists(f.dir.path() / "videos" / video.id));
  CHECK(f.catalog.jobs().list().empty());
}

TEST_CASE("after a crash: temp output removed, the job queued again and published exactly once") {
  Fixture f;
  const auto video = f.upload("crash.mp4");
  // The state kill -9 leaves: the job claimed, half an output set, a stale
  // published directory from a commit that never happened, an orphan original.
  REQUIRE(f.catalog.jobs().claim(1));
  const fs::path videos = f.dir.path() / "videos";
  fs::create_directories(vod::temp_output_dir(videos, video.id) / "v0");
  fs::create_directories(videos / video.id);
  std::ofstream(videos / video.id / "stale.m4s") << "old";
  std::ofstream(f.dir.path() / "originals" / "nobodys") << "x";
  f.service.reset();
  f.open(1);
  f.service->start();
  CHECK(f.wait_done(video.id).state == catalog::VideoState::ready);
  CHECK(f.catalog.jobs().latest_for_video(video.id)->attempts == 2);
  CHECK_FALSE(fs::exists(f.dir.path() / "originals" / "nobodys"));
  CHECK_FALSE(fs::exists(videos / video.id / "stale.m4s"));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(videos)) ++entries;
  CHECK(entries == 1);  // exactly one output set, no temp leftovers
}

namespace {

// Reports progress until told to stop, like the real converter between packets.
class EndlessConverter : public vod::Converter {
 public:
  vod::ConversionResult convert(const vod::ConversionRequest&, const vod::ProgressCallback& progress) override {
    started = true;
    while (progress({1.0, 1.0, 1.0, 100.0})) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    throw vod::ConversionError("the video was deleted", false);
  }
  std::atomic<bool> started{false};
};

}  // namespace

TEST_CASE("stopping the service interrupts a conversion; the job runs again at the next start") {
  TempDir dir;
  core::Logger log{core::LogLevel::off};
  catalog::Catalog catalog{dir.path() / "tidecast.db"};
  const fs::path clip = dir.path() / "clip.mp4";
  REQUIRE(test::make_clip(clip, 1));
  auto endless = std::make_unique<EndlessConverter>();
  EndlessConverter* converter = endless.get();
  vod::VodOptions options;
  options.data_dir = dir.path();
  options.catalog_location = dir.path() / "tidecast.db";
  options.max_upload_bytes = 1 << 30;
  options.workers = 1;
  options.retry = {3, 10, 1000};
  options.nice = 0;
  vod::VodService service(log, options, std::move(endless));
  service.start();
  const fs::path file = dir.path() / "incoming.mp4";
  fs::copy_file(clip, file);
  const auto video = service.accept(file, {"", "endless.mp4", std::nullopt});
  for (int i = 0; i < 500 && !converter->started; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(converter->started);
  const auto before = std::chrono::steady_clock::now();
  service.stop();
  CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(5));
  const auto job = catalog.jobs().latest_for_video(video.id);
  REQUIRE(job);
  CHECK(job->state == catalog::JobState::running);  // not failed: recovery queues it again
  CHECK(job->error.empty());
  CHECK(catalog.videos().find(video.id)->state != catalog::VideoState::failed);
  CHECK_FALSE(fs::exists(vod::temp_output_dir(dir.path() / "videos", video.id)));
}

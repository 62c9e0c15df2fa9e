#include "vod/remote_job_runner.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "catalog/catalog.hpp"
#include "catalog/job_lease_repository.hpp"
#include "support/temp_dir.hpp"
#include "vod/media_files.hpp"

using namespace tidecast;
using tidecast::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Writes a small output set; `before_progress` runs before its one progress report.
class OutputConverter : public vod::Converter {
 public:
  vod::ConversionResult convert(const vod::ConversionRequest& request, const vod::ProgressCallback& progress) override {
    fs::create_directories(request.output_dir / "v0");
    test::write_text(request.output_dir / "master.m3u8", "#EXTM3U\n");
    test::write_text(request.output_dir / "v0" / "init.mp4", "init");
    if (before_progress) before_progress();
    if (!progress({50, 50, 10.0, 1.0})) throw vod::ConversionError("stopped", true);
    ++converted;
    vod::ConversionResult result;
    result.duration_seconds = 1;
    result.width = 320;
    result.height = 240;
    result.tracks.push_back({"v0", "source", "video", "avc1.64000d", 320, 240, 400000});
    return result;
  }
  std::function<void()> before_progress;
  std::atomic<int> converted{0};
};

// The storage node, in-process: files copied on the local disk, the fenced
// commit on a catalog connection of its own.
class LocalStorage : public vod::StorageClient {
 public:
  LocalStorage(std::string location, fs::path original, fs::path videos_dir)
      : db_(catalog::Database::open_location(location)),
        original_(std::move(original)),
        videos_dir_(std::move(videos_dir)) {}

  void download_original(const std::string&, const fs::path& file) override {
    if (down) throw vod::StorageError("connect: refused", true, true);
    fs::copy_file(original_, file, fs::copy_options::overwrite_existing);
  }
  void upload(const std::string&, std::int64_t job_id, const std::string& token, const std::string& relative,
              const fs::path& file) override {
    const fs::path target = vod::attempt_dir(videos_dir_, job_id, token) / relative;
    fs::create_directories(target.parent_path());
    fs::copy_file(file, target, fs::copy_options::overwrite_existing);
  }
  vod::CommitOutcome commit(const std::string&, std::int64_t job_id, const std::string& token,
                            const vod::ConversionResult& result) override {
    std::lock_guard lock(mutex_);
    return vod::commit_attempt(db_, videos_dir_, job_id, token, result);
  }
  std::atomic<bool> down{false};

 private:
  std::mutex mutex_;
  catalog::Database db_;
  fs::path original_;
  fs::path videos_dir_;
};

struct Fixture {
  TempDir dir;
  std::string location = (dir.path() / "tidecast.db").string();
  core::Logger log{core::LogLevel::off};
  catalog::Catalog catalog{location};
  fs::path clip = dir.path() / "clip.mp4";
  fs::path videos_dir = dir.path() / "videos";
  OutputConverter converter;
  std::unique_ptr<LocalStorage> storage;

  Fixture() {
    REQUIRE(test::make_clip(clip, 1));
    fs::create_directories(videos_dir);
    storage = std::make_unique<LocalStorage>(location, clip, videos_dir);
  }
  std::string add_job() {
    catalog::NewVideo row;
    row.title = "clip";
    const auto id = catalog.videos().create(row).id;
    catalog.jobs().enqueue(id);
    return id;
  }
  vod::RemoteJobRunner runner(unsigned workers) {
    vod::RemoteJobRunnerOptions options;
    options.catalog_location = location;
    options.node = "r1";
    options.work_dir = dir.path() / "runner";
    options.workers = workers;
    options.retry = {3, 0, 0};
    options.nice = 0;
    options.poll = std::chrono::milliseconds(50);
    options.storage_wait = std::chrono::milliseconds(60'000);
    return vod::RemoteJobRunner(log, options, converter, *storage);
  }
  bool wait_ready(const std::vector<std::string>& ids) {
    for (int i = 0; i < 600; ++i) {
      bool all = true;
      for (const auto& id : ids) all = all && catalog.videos().find(id)->state == catalog::VideoState::ready;
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

}  // namespace

TEST_CASE("remote runner: claims, converts, uploads into an attempt and publishes through the fenced commit") {
  Fixture f;
  const std::vector<std::string> ids{f.add_job(), f.add_job(), f.add_job()};
  auto runner = f.runner(2);
  runner.start();
  REQUIRE(f.wait_ready(ids));
  runner.stop();
  for (const auto& id : ids) {
    CHECK(fs::exists(f.videos_dir / id / "v0" / "init.mp4"));
    CHECK(f.catalog.videos().renditions(id).size() == 1);
    CHECK(f.catalog.jobs().latest_for_video(id)->state == catalog::JobState::done);
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(f.videos_dir)) ++entries;
  CHECK(entries == ids.size());  // no attempt directory left
  CHECK(fs::is_empty(f.dir.path() / "runner"));
}

TEST_CASE("remote runner: a lease lost mid-conversion stops it without a failure; the rerun publishes once") {
  Fixture f;
  const auto id = f.add_job();
  std::atomic<int> calls{0};
  f.converter.before_progress = [&] {
    if (calls++ > 0) return;
    // The runner looked dead to the cluster: its lease ran out and was reaped.
    auto db = catalog::Database::open_location(f.location);
    db.exec("UPDATE jobs SET lease_expires_at = 0");
    CHECK(catalog::JobLeaseRepository(db).reap({3, 0, 0}).requeued == 1);
  };
  auto runner = f.runner(1);
  runner.start();
  REQUIRE(f.wait_ready({id}));
  runner.stop();
  const auto job = f.catalog.jobs().latest_for_video(id);
  CHECK(job->attempts == 2);
  CHECK(job->error.empty());
  CHECK(f.converter.converted == 1);
  CHECK(f.catalog.videos().renditions(id).size() == 1);
}

TEST_CASE("remote runner: a job whose storage node is down waits without using its attempts") {
  Fixture f;
  f.storage->down = true;
  const auto id = f.add_job();
  auto runner = f.runner(1);
  runner.start();
  catalog::Job job;
  for (int i = 0; i < 200; ++i) {
    job = *f.catalog.jobs().latest_for_video(id);
    if (!job.error.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  runner.stop();
  CHECK(job.state == catalog::JobState::queued);
  CHECK(job.attempts == 0);
  CHECK(job.error.find("refused") != std::string::npos);
  CHECK(f.catalog.videos().find(id)->state == catalog::VideoState::pending);
}

#include "vod/vod_service.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "catalog/channel_repository.hpp"
#include "core/clock.hpp"
#include "core/thread_name.hpp"

namespace tidecast::vod {

namespace fs = std::filesystem;

namespace {

constexpr auto kSweepEvery = std::chrono::minutes(10);

using core::unix_now_ms;

std::string title_from(const AcceptInfo& info) {
  if (!info.title.empty()) return info.title;
  if (!info.source_name.empty()) {
    const std::string stem = fs::path(info.source_name).stem().string();
    if (!stem.empty()) return stem;
  }
  return "Untitled upload";
}

}  // namespace

VodService::VodService(core::Logger& log, VodOptions options, std::unique_ptr<Converter> converter)
    : log_(log),
      options_(std::move(options)),
      originals_dir_(options_.data_dir / "originals"),
      videos_dir_(options_.data_dir / "videos"),
      converter_(std::move(converter)),
      db_(catalog::Database::open_location(options_.catalog_location)),
      videos_(db_, options_.video_changes),
      jobs_(db_),
      upload_rows_(db_) {
  fs::create_directories(originals_dir_);
  fs::create_directories(videos_dir_);
  uploads_ = std::make_unique<UploadStore>(
      log_, options_.catalog_location,
      UploadStoreOptions{options_.data_dir / "uploads", options_.max_upload_bytes, options_.upload_expiry});
  JobRunnerOptions runner{options_.catalog_location,
                          originals_dir_,
                          videos_dir_,
                          options_.workers,
                          options_.retry,
                          options_.nice,
                          options_.probe,
                          options_.job_durations,
                          options_.job_failures};
  runner_ = std::make_unique<JobRunner>(log_, std::move(runner), *converter_);
}

VodService::~VodService() {
  stop();
}

void VodService::start() {
  recover();
  {
    std::lock_guard lock(arrivals_mutex_);
    stopping_ = false;
  }
  arrivals_thread_ = std::thread([this] {
    core::name_this_thread("tc-arrivals");
    check_arrivals();
  });
  runner_->start();
}

void VodService::stop() {
  {
    std::lock_guard lock(arrivals_mutex_);
    stopping_ = true;
  }
  arrivals_wake_.notify_all();
  if (arrivals_thread_.joinable()) arrivals_thread_.join();
  runner_->stop();
}

void VodService::recover() {
  std::size_t temp_dirs = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(videos_dir_, ec)) {
    if (entry.path().filename().string().starts_with(".tmp-")) {
      std::error_code remove_ec;
      fs::remove_all(entry.path(), remove_ec);
      ++temp_dirs;
    }
  }
  std::lock_guard lock(db_mutex_);
  if (options_.shared_catalog) {
    log_.info("vod", "recovered temp_dirs_removed={} (shared catalog: jobs and uploads of other nodes untouched)",
              temp_dirs);
    return;
  }
  const auto recovered = jobs_.requeue_running(options_.retry, unix_now_ms());
  for (const auto& job : recovered.failed) {
    videos_.set_state(job.video_id, catalog::VideoState::failed, job.error);
  }
  std::size_t orphans = 0;
  for (const auto& entry : fs::directory_iterator(originals_dir_, ec)) {
    if (videos_.find(entry.path().filename().string())) continue;
    std::error_code remove_ec;
    if (fs::remove(entry.path(), remove_ec)) ++orphans;
  }
  orphans += uploads_->sweep(unix_now_ms(), /*startup=*/true);
  log_.info("vod", "recovered requeued_jobs={} failed_jobs={} temp_dirs_removed={} orphan_files_removed={}",
            recovered.requeued, recovered.failed.size(), temp_dirs, orphans);
}

catalog::Video VodService::accept(const fs::path& file, const AcceptInfo& info) {
  const std::string id = catalog::new_video_id();
  const auto size = static_cast<std::int64_t>(fs::file_size(file));
  const fs::path original = originals_dir_ / id;
  fs::rename(file, original);
  catalog::Video video;
  try {
    std::lock_guard lock(db_mutex_);
    catalog::Transaction tx(db_);
    catalog::NewVideo row;
    row.id = id;
    row.title = title_from(info);
    row.source_name = info.source_name;
    row.source_bytes = size;
    if (!options_.store_node.empty()) row.stored_on = options_.store_node;
    video = videos_.create(row);
    jobs_.enqueue(id);
    if (info.upload_id) upload_rows_.complete(*info.upload_id, id);
    tx.commit();
  } catch (...) {
    std::error_code ec;
    fs::rename(original, file, ec);
    throw;
  }
  log_.info("vod", "upload accepted video={} bytes={} name=\"{}\"", id, size, info.source_name);
  {
    std::lock_guard lock(arrivals_mutex_);
    arrivals_.push_back(id);
  }
  arrivals_wake_.notify_all();
  runner_->wake();
  return video;
}

bool VodService::delete_video(std::string_view id) {
  {
    std::lock_guard lock(db_mutex_);
    const auto video = videos_.find(id);
    if (!video) return false;
    if (video->origin == catalog::VideoOrigin::live && video->state == catalog::VideoState::processing) {
      throw catalog::Conflict("the recording is still in progress");
    }
    videos_.remove(id);
  }
  // A conversion in progress notices at its next heartbeat and removes its
  // own temporary directory.
  std::error_code ec;
  fs::remove_all(videos_dir_ / id, ec);
  fs::remove(originals_dir_ / id, ec);
  log_.info("vod", "deleted video={}", id);
  return true;
}

void VodService::check_arrivals() {
  if (options_.nice > 0) setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.nice);
  std::optional<catalog::Database> db;
  auto next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
  while (true) {
    std::string id;
    {
      std::unique_lock lock(arrivals_mutex_);
      arrivals_wake_.wait_until(lock, next_sweep, [&] { return stopping_ || !arrivals_.empty(); });
      if (stopping_) return;
      if (!arrivals_.empty()) {
        id = std::move(arrivals_.front());
        arrivals_.pop_front();
      }
    }
    try {
      if (!db) db.emplace(catalog::Database::open_location(options_.catalog_location));
      if (!id.empty()) check_arrival(*db, id);
      if (std::chrono::steady_clock::now() >= next_sweep) {
        next_sweep = std::chrono::steady_clock::now() + kSweepEvery;
        if (const auto removed = uploads_->sweep(unix_now_ms())) log_.info("vod", "swept upload_files={}", removed);
      }
    } catch (const std::exception& e) {
      log_.error("vod", "arrival check failed video={} error=\"{}\"", id, e.what());
    }
  }
}

void VodService::check_arrival(catalog::Database& db, const std::string& video_id) {
  const ProbeResult probe = probe_media(originals_dir_ / video_id, options_.probe);
  catalog::VideoRepository videos(db);
  if (probe.ok()) {
    log_.info("vod", "probed video={} duration={} video={} {}x{} audio={}", video_id,
              format_clock(probe.duration_seconds), probe.video_codec.empty() ? "none" : probe.video_codec, probe.width,
              probe.height, probe.audio_codec.empty() ? "none" : probe.audio_codec);
    catalog::MediaInfo info;
    info.duration_ms = static_cast<std::int64_t>(probe.duration_seconds * 1000.0 + 0.5);
    if (probe.has_video) {
      info.width = probe.width;
      info.height = probe.height;
    }
    videos.set_probed_info(video_id, info);
    return;
  }
  catalog::JobRepository jobs(db);
  catalog::Transaction tx(db);
  // Only while still queued: a worker that already claimed it probes again and fails it itself.
  if (jobs.fail_queued_for_video(video_id, probe.error, unix_now_ms())) {
    videos.set_state(video_id, catalog::VideoState::failed, probe.error);
    log_.warn("vod", "rejected video={} reason=\"{}\"", video_id, probe.error);
  }
  tx.commit();
}

}  // namespace tidecast::vod

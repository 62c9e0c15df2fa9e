#include "vod/job_runner.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "catalog/video_repository.hpp"
#include "core/clock.hpp"
#include "core/thread_name.hpp"

namespace tidecast::vod {

namespace fs = std::filesystem;

namespace {

constexpr auto kIdlePoll = std::chrono::seconds(5);

using core::unix_now_ms;

void remove_dir(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace

fs::path temp_output_dir(const fs::path& videos_dir, std::string_view video_id) {
  return videos_dir / fmt::format(".tmp-{}", video_id);
}

JobRunner::JobRunner(core::Logger& log, JobRunnerOptions options, Converter& converter)
    : log_(log), options_(std::move(options)), converter_(converter) {}

JobRunner::~JobRunner() {
  stop();
}

void JobRunner::start() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  for (unsigned i = 0; i < options_.workers; ++i) threads_.emplace_back([this, i] {
    core::name_this_thread("tc-job");
    work(i);
  });
}

void JobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    if (threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

bool JobRunner::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void JobRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wake_.notify_all();
}

void JobRunner::work(unsigned index) {
  // Per-thread on Linux; the conversion's own threads inherit it.
  if (options_.nice > 0 && setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.nice) != 0) {
    log_.warn("jobs", "cannot lower worker priority worker={}", index);
  }
  std::optional<catalog::Database> db;
  while (true) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = wakes_;
    }
    std::optional<catalog::Job> job;
    std::chrono::milliseconds sleep = kIdlePoll;
    try {
      if (!db) db.emplace(catalog::Database::open_location(options_.catalog_location));
      catalog::JobRepository jobs(*db);
      job = jobs.claim(unix_now_ms());
      if (!job) {
        if (const auto due = jobs.next_due_ms()) {
          sleep = std::clamp(std::chrono::milliseconds(*due - unix_now_ms()), std::chrono::milliseconds(10),
                             std::chrono::milliseconds(kIdlePoll));
        }
      }
    } catch (const std::exception& e) {
      log_.error("jobs", "queue unavailable worker={} error=\"{}\"", index, e.what());
    }
    if (job) {
      run(*db, *job);
      continue;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, sleep, [&] { return stopping_ || wakes_ != seen; });
  }
}

void JobRunner::run(catalog::Database& db, const catalog::Job& job) {
  catalog::VideoRepository videos(db);
  catalog::JobRepository jobs(db);
  const std::string& id = job.video_id;
  const auto started = std::chrono::steady_clock::now();
  log_.info("jobs", "start job={} video={} attempt={}", job.id, id, job.attempts);
  const fs::path temp = temp_output_dir(options_.videos_dir, id);
  try {
    if (!videos.find(id)) {
      jobs.fail(job.id, "the video was deleted", false, options_.retry, unix_now_ms());
      return;
    }
    videos.set_state(id, catalog::VideoState::processing);
    const ProbeResult probe = probe_media(options_.originals_dir / id, options_.probe);
    if (!probe.ok()) return fail(db, job, probe.error, false);

    remove_dir(temp);
    ConversionRequest request{options_.originals_dir / id, temp, probe.duration_seconds, probe.frame_rate};
    std::atomic<bool> gone{false};
    std::atomic<bool> interrupted{false};
    auto on_progress = [&](const ConversionProgress& p) {
      if (stopping()) {
        interrupted = true;
        return false;
      }
      try {
        if (!jobs.heartbeat(job.id, {p.percent, p.fps, p.eta_seconds}, unix_now_ms())) gone = true;
      } catch (const std::exception& e) {
        log_.warn("jobs", "progress not stored job={} error=\"{}\"", job.id, e.what());
      }
      return !gone.load();
    };
    ConversionResult result;
    try {
      result = converter_.convert(request, on_progress);
    } catch (const ConversionError& e) {
      remove_dir(temp);
      if (interrupted) {
        log_.info("jobs", "interrupted job={} video={}: shutting down (it runs again at the next start)", job.id, id);
        return;
      }
      if (gone) {
        log_.info("jobs", "dropped job={} video={}: deleted during conversion", job.id, id);
        return;
      }
      return fail(db, job, e.what(), e.retryable());
    }
    if (gone || !jobs.find(job.id)) {
      remove_dir(temp);
      log_.info("jobs", "dropped job={} video={}: deleted during conversion", job.id, id);
      return;
    }
    publish(db, job, result, temp);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options_.durations) options_.durations->observe(seconds);
    log_.info("jobs", "done job={} video={} media_seconds={:.1f} wall_seconds={:.1f} tracks={}", job.id, id,
              result.duration_seconds, seconds, result.tracks.size());
  } catch (const std::exception& e) {
    remove_dir(temp);
    log_.error("jobs", "job failed job={} video={} error=\"{}\"", job.id, id, e.what());
    try {
      fail(db, job, e.what(), true);
    } catch (const std::exception& again) {
      log_.error("jobs", "cannot record failure job={} error=\"{}\"", job.id, again.what());
    }
  }
}

void JobRunner::publish(catalog::Database& db, const catalog::Job& job, const ConversionResult& result,
                        const fs::path& temp) {
  const std::string& id = job.video_id;
  const fs::path target = options_.videos_dir / id;
  remove_dir(target);  // a publish that crashed before its commit
  fs::rename(temp, target);

  catalog::MediaInfo info;
  info.duration_ms = static_cast<std::int64_t>(result.duration_seconds * 1000.0 + 0.5);
  if (result.width > 0) {
    info.width = result.width;
    info.height = result.height;
  }
  std::vector<catalog::Rendition> renditions;
  for (const auto& track : result.tracks) {
    catalog::Rendition r{track.id,     track.kind,   track.codecs,
                         std::nullopt, std::nullopt, static_cast<std::int64_t>(track.bandwidth)};
    if (track.kind == "video") {
      r.width = track.width;
      r.height = track.height;
    }
    renditions.push_back(std::move(r));
  }
  catalog::VideoRepository videos(db);
  catalog::JobRepository jobs(db);
  catalog::Transaction tx(db);
  if (!videos.publish(id, info, renditions) || !jobs.complete(job.id, unix_now_ms())) {
    remove_dir(target);  // deleted meanwhile: the rollback leaves nothing behind
    log_.info("jobs", "dropped job={} video={}: deleted during conversion", job.id, id);
    return;
  }
  tx.commit();
}

void JobRunner::fail(catalog::Database& db, const catalog::Job& job, const std::string& reason, bool retryable) {
  if (options_.failures) options_.failures->inc();
  catalog::VideoRepository videos(db);
  catalog::JobRepository jobs(db);
  const auto outcome = jobs.fail(job.id, reason, retryable, options_.retry, unix_now_ms());
  if (outcome == catalog::FailOutcome::failed) {
    videos.set_state(job.video_id, catalog::VideoState::failed, reason);
    log_.warn("jobs", "failed job={} video={} attempts={} reason=\"{}\"", job.id, job.video_id, job.attempts, reason);
  } else if (outcome == catalog::FailOutcome::retrying) {
    videos.set_state(job.video_id, catalog::VideoState::pending);
    log_.warn("jobs", "retrying job={} video={} attempt={} in_seconds={} reason=\"{}\"", job.id, job.video_id,
              job.attempts, options_.retry.delay_after(job.attempts) / 1000, reason);
  }
}

}  // namespace tidecast::vod

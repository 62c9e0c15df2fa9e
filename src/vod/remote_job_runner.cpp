#include "vod/remote_job_runner.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <optional>

#include "catalog/job_notifications.hpp"
#include "catalog/video_repository.hpp"
#include "core/thread_name.hpp"

namespace tidecast::vod {

namespace fs = std::filesystem;

namespace {

void remove_dir(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Every regular file under `dir`, as paths relative to it.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(fs::relative(entry.path(), dir).generic_string());
  }
  return out;
}

}  // namespace

RemoteJobRunner::RemoteJobRunner(core::Logger& log, RemoteJobRunnerOptions options, Converter& converter,
                                 StorageClient& storage)
    : log_(log), options_(std::move(options)), converter_(converter), storage_(storage) {}

RemoteJobRunner::~RemoteJobRunner() {
  stop();
}

void RemoteJobRunner::start() {
  fs::create_directories(options_.work_dir);
  // Downloads and outputs of this node's earlier run are worthless now.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.work_dir, ec)) remove_dir(entry.path());
  try {
    auto db = catalog::Database::open_location(options_.catalog_location);
    const auto released = catalog::JobLeaseRepository(db).release_node(options_.node, options_.retry);
    mark_failed(db, released.failed);
    log_.info("runner", "started node={} workers={} requeued_own_jobs={} failed_own_jobs={}", options_.node,
              options_.workers, released.requeued, released.failed.size());
  } catch (const std::exception& e) {
    log_.error("runner", "start-up recovery failed node={} error=\"{}\" (the reaper requeues them later)",
               options_.node, e.what());
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  for (unsigned i = 0; i < options_.workers; ++i) threads_.emplace_back([this, i] {
    core::name_this_thread("tc-runner");
    work(i);
  });
}

void RemoteJobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    if (threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

bool RemoteJobRunner::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void RemoteJobRunner::mark_failed(catalog::Database& db, const std::vector<catalog::Job>& failed) {
  catalog::VideoRepository videos(db);
  for (const auto& job : failed) {
    videos.set_state(job.video_id, catalog::VideoState::failed, job.error);
    log_.warn("runner", "failed job={} video={} reason=\"{}\"", job.id, job.video_id, job.error);
  }
}

void RemoteJobRunner::work(unsigned index) {
  if (options_.nice > 0 && setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.nice) != 0) {
    log_.warn("runner", "cannot lower worker priority worker={}", index);
  }
  std::optional<catalog::Database> db;
  catalog::JobNotifications notifications(options_.catalog_location);
  auto last_error_log = std::chrono::steady_clock::time_point{};
  while (!stopping()) {
    std::optional<catalog::JobLease> lease;
    try {
      if (!db) db.emplace(catalog::Database::open_location(options_.catalog_location));
      catalog::JobLeaseRepository leases(*db);
      const auto reaped = leases.reap(options_.retry);
      if (reaped.requeued > 0)
        log_.warn("runner", "requeued jobs whose runner stopped answering count={}", reaped.requeued);
      mark_failed(*db, reaped.failed);
      lease = leases.claim(options_.node, options_.lease.count());
    } catch (const std::exception& e) {
      db.reset();  // a fresh connection next time
      const auto now = std::chrono::steady_clock::now();
      if (now - last_error_log >= std::chrono::minutes(1)) {
        last_error_log = now;
        log_.error("runner", "queue unavailable worker={} error=\"{}\" (retried, logged once a minute)", index,
                   e.what());
      }
    }
    if (lease) {
      run(*db, *lease);
      continue;
    }
    // Short slices so stop() is never kept waiting for long.
    const auto until = std::chrono::steady_clock::now() + options_.poll;
    while (!stopping() && std::chrono::steady_clock::now() < until) {
      if (notifications.wait(std::chrono::milliseconds(500))) break;
    }
  }
}

void RemoteJobRunner::run(catalog::Database& db, const catalog::JobLease& lease) {
  const std::string& id = lease.video_id;
  const auto started = std::chrono::steady_clock::now();
  const fs::path dir = options_.work_dir / fmt::format("{}-{}", lease.job_id, lease.token);
  log_.info("runner", "start job={} video={} attempt={}", lease.job_id, id, lease.attempts);
  catalog::JobLeaseRepository leases(db);
  std::atomic<bool> lost{false};
  std::atomic<bool> interrupted{false};
  int heartbeat_errors = 0;  // logged on the first of a run of failures only
  // Renews the lease; false once it is lost (or this runner stops).
  auto keep = [&](const catalog::JobProgress& progress) {
    if (stopping()) {
      interrupted = true;
      return false;
    }
    try {
      if (!leases.heartbeat(lease.job_id, lease.token, progress, options_.lease.count())) lost = true;
      heartbeat_errors = 0;
    } catch (const std::exception& e) {
      if (heartbeat_errors++ == 0) {
        log_.warn("runner", "heartbeat not stored job={} error=\"{}\" (retried every second, logged once)",
                  lease.job_id, e.what());
      }
    }
    return !lost.load();
  };
  try {
    remove_dir(dir);
    fs::create_directories(dir);
    catalog::VideoRepository(db).set_state(id, catalog::VideoState::processing);
    const fs::path original = dir / "original";
    try {
      storage_.download_original(id, original);
    } catch (const StorageError& e) {
      remove_dir(dir);
      if (e.unreachable()) {
        leases.postpone(lease.job_id, lease.token, e.what(), options_.storage_wait.count());
        catalog::VideoRepository(db).set_state(id, catalog::VideoState::pending);
        log_.warn("runner", "storage unreachable job={} video={}: the job waits (no attempt used) error=\"{}\"",
                  lease.job_id, id, e.what());
        return;
      }
      return fail(db, lease, fmt::format("original not available: {}", e.what()), e.retryable());
    }
    if (!keep({})) throw std::runtime_error("lease lost while downloading");
    const ProbeResult probe = probe_media(original, options_.probe);
    if (!probe.ok()) {
      remove_dir(dir);
      return fail(db, lease, probe.error, false);
    }
    const fs::path output = dir / "out";
    ConversionRequest request{original, output, probe.duration_seconds, probe.frame_rate};
    ConversionResult result;
    try {
      result = converter_.convert(request, [&](const ConversionProgress& p) {
        return keep({p.percent, p.fps, p.eta_seconds});
      });
    } catch (const ConversionError& e) {
      remove_dir(dir);
      if (interrupted) {
        // Given back at once (no attempt used), so another runner takes it now.
        try {
          leases.postpone(lease.job_id, lease.token, "the runner stopped", 0);
          catalog::VideoRepository(db).set_state(id, catalog::VideoState::pending);
        } catch (const std::exception&) {
          // Requeued at this node's next start, or reaped once the lease expires.
        }
        log_.info("runner", "interrupted job={} video={}: stopping, job given back", lease.job_id, id);
        return;
      }
      if (lost) {
        log_.warn("runner", "lease lost job={} video={}: another runner has it, conversion stopped", lease.job_id, id);
        return;
      }
      return fail(db, lease, e.what(), e.retryable());
    }
    for (const auto& file : files_under(output)) {
      if (!keep({100, std::nullopt, 0})) break;
      storage_.upload(id, lease.job_id, lease.token, file, output / file);
    }
    if (lost || interrupted) {
      remove_dir(dir);
      log_.warn("runner", "lease lost job={} video={} before its commit", lease.job_id, id);
      return;
    }
    const auto outcome = storage_.commit(id, lease.job_id, lease.token, result);
    remove_dir(dir);
    if (outcome == CommitOutcome::stale) {
      log_.warn("runner", "commit refused job={} video={}: the lease moved on (409)", lease.job_id, id);
      return;
    }
    if (outcome == CommitOutcome::gone) {
      log_.info("runner", "dropped job={} video={}: deleted during conversion", lease.job_id, id);
      return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options_.durations) options_.durations->observe(seconds);
    log_.info("runner", "done job={} video={} media_seconds={:.1f} wall_seconds={:.1f} tracks={}", lease.job_id, id,
              result.duration_seconds, seconds, result.tracks.size());
  } catch (const std::exception& e) {
    remove_dir(dir);
    if (lost || interrupted) {
      log_.warn("runner", "gave up job={} video={}: {}", lease.job_id, id, e.what());
      return;
    }
    log_.error("runner", "job failed job={} video={} error=\"{}\"", lease.job_id, id, e.what());
    try {
      fail(db, lease, e.what(), true);
    } catch (const std::exception& again) {
      log_.error("runner", "cannot record failure job={} error=\"{}\"", lease.job_id, again.what());
    }
  }
}

void RemoteJobRunner::fail(catalog::Database& db, const catalog::JobLease& lease, const std::string& reason,
                           bool retryable) {
  if (options_.failures) options_.failures->inc();
  catalog::VideoRepository videos(db);
  const auto outcome =
      catalog::JobLeaseRepository(db).fail(lease.job_id, lease.token, reason, retryable, options_.retry);
  if (outcome == catalog::FailOutcome::failed) {
    videos.set_state(lease.video_id, catalog::VideoState::failed, reason);
    log_.warn("runner", "failed job={} video={} attempts={} reason=\"{}\"", lease.job_id, lease.video_id,
              lease.attempts, reason);
  } else if (outcome == catalog::FailOutcome::retrying) {
    videos.set_state(lease.video_id, catalog::VideoState::pending);
    log_.warn("runner", "retrying job={} video={} attempt={} in_seconds={} reason=\"{}\"", lease.job_id, lease.video_id,
              lease.attempts, options_.retry.delay_after(lease.attempts) / 1000, reason);
  }
}

}  // namespace tidecast::vod

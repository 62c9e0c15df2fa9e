#pragma once
// The durable job queue (conversions of uploaded videos). Jobs are started in
// the order they were queued (FIFO by id) once due; a claim is one UPDATE ...
// RETURNING, so two workers, even on separate connections, never get the same
// job. A job that fails is queued again after an exponential backoff until it
// has used its attempts, then stays failed with its reason. Jobs left
// `running` by a crash are queued again at startup, keeping their place.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

enum class JobState { queued, running, done, failed };
std::string_view to_string(JobState state);

struct Job {
  std::int64_t id = 0;
  std::string video_id;
  std::string kind;
  JobState state = JobState::queued;
  int attempts = 0;             // claims so far, including the running one
  std::int64_t not_before = 0;  // unix ms: not claimed before this (backoff)
  double progress = 0;          // percent, 0-100
  std::optional<double> fps;
  std::optional<double> eta_seconds;
  std::string error;  // last failure reason
  std::int64_t created_at = 0;
  std::optional<std::int64_t> started_at;
  std::optional<std::int64_t> finished_at;
  std::optional<std::int64_t> heartbeat_at;
};

struct JobProgress {
  double percent = 0;
  std::optional<double> fps;
  std::optional<double> eta_seconds;
};

struct RetryPolicy {
  int max_attempts = 3;
  std::int64_t base_delay_ms = 30'000;    // after the first failure
  std::int64_t max_delay_ms = 3'600'000;  // cap of the doubling
  // Delay before the next attempt after `attempts` failed ones: base * 2^(attempts-1), capped.
  std::int64_t delay_after(int attempts) const;
};

enum class FailOutcome { retrying, failed, gone };

struct RecoveryResult {
  int requeued = 0;
  std::vector<Job> failed;  // had used all their attempts
};

class JobRepository {
 public:
  explicit JobRepository(Database& db) : db_(db) {}

  std::int64_t enqueue(std::string_view video_id, std::string_view kind = "convert");
  // The oldest queued job due at `now_ms`, now running (attempts + 1).
  std::optional<Job> claim(std::int64_t now_ms);
  // Stores progress; false when the job is no longer running (its video was deleted).
  bool heartbeat(std::int64_t id, const JobProgress& progress, std::int64_t now_ms);
  // Run inside the publishing transaction. False when the job is gone.
  bool complete(std::int64_t id, std::int64_t now_ms);
  // Not retryable, or out of attempts: failed for good.
  FailOutcome fail(std::int64_t id, std::string_view error, bool retryable, const RetryPolicy& policy,
                   std::int64_t now_ms);
  // At startup: jobs a crash left running are queued again (same id, so same
  // place in line) unless they have used all their attempts.
  RecoveryResult requeue_running(const RetryPolicy& policy, std::int64_t now_ms);
  // Fails the video's queued (not yet running) jobs; true when there was one.
  bool fail_queued_for_video(std::string_view video_id, std::string_view error, std::int64_t now_ms);
  // {"queued": n, "running": n, ...} for every state (zero included): queue depth for metrics.
  std::vector<std::pair<std::string, std::int64_t>> count_by_state();

  std::optional<Job> find(std::int64_t id);
  std::optional<Job> latest_for_video(std::string_view video_id);
  // Newest first.
  std::vector<Job> list(std::size_t limit = 100);
  // Newest first, only jobs of videos `owner_id` owns.
  std::vector<Job> list_for_owner(std::int64_t owner_id, std::size_t limit = 100);
  // The earliest not_before among queued jobs (when a sleeping worker should look again).
  std::optional<std::int64_t> next_due_ms();

 private:
  Database& db_;
};

}  // namespace tidecast::catalog

#include "catalog/job_lease_repository.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/crypto.hpp"

namespace tidecast::catalog {

namespace {

// Clears the lease and the progress of a job going back to the queue.
constexpr std::string_view kBackToQueue =
    "state = 'queued', lease_token = NULL, lease_node = NULL, lease_expires_at = NULL, progress = 0, fps = NULL, "
    "eta_seconds = NULL";

}  // namespace

std::string JobLeaseRepository::now_sql() const {
  if (db_.dialect() == Dialect::postgres) return "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";
  return "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
}

std::optional<JobLease> JobLeaseRepository::claim(std::string_view node, std::int64_t ttl_ms) {
  // One statement, as JobRepository::claim: PostgreSQL locks the row the
  // sub-select picks and skips rows other runners are claiming.
  const std::string_view lock = db_.dialect() == Dialect::postgres ? " FOR UPDATE SKIP LOCKED" : "";
  const std::string token = core::random_token(16);
  auto stmt = db_.prepare(fmt::format(
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = {0}, heartbeat_at = {0}, "
      "progress = 0, fps = NULL, eta_seconds = NULL, finished_at = NULL, lease_token = ?1, lease_node = ?2, "
      "lease_expires_at = {0} + ?3 "
      "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND not_before <= {0} ORDER BY id LIMIT 1{1}) "
      "RETURNING id, video_id, attempts",
      now_sql(), lock));
  stmt.bind(1, std::string_view(token)).bind(2, node).bind(3, ttl_ms);
  if (!stmt.step()) return std::nullopt;
  JobLease lease;
  lease.job_id = stmt.column_int(0);
  lease.video_id = stmt.column_text(1);
  lease.attempts = static_cast<int>(stmt.column_int(2));
  lease.token = token;
  stmt.run();
  return lease;
}

bool JobLeaseRepository::heartbeat(std::int64_t job_id, std::string_view token, const JobProgress& progress,
                                   std::int64_t ttl_ms) {
  auto stmt = db_.prepare(fmt::format(
      "UPDATE jobs SET progress = ?, fps = ?, eta_seconds = ?, heartbeat_at = {0}, lease_expires_at = {0} + ? "
      "WHERE id = ? AND lease_token = ? AND state = 'running'",
      now_sql()));
  stmt.bind(1, std::clamp(progress.percent, 0.0, 100.0));
  stmt.bind(2, progress.fps).bind(3, progress.eta_seconds);
  return stmt.bind(4, ttl_ms).bind(5, job_id).bind(6, token).run() > 0;
}

bool JobLeaseRepository::holds(std::int64_t job_id, std::string_view token) {
  auto stmt = db_.prepare("SELECT 1 FROM jobs WHERE id = ? AND lease_token = ? AND state = 'running'");
  stmt.bind_all(job_id, token);
  return stmt.step();
}

bool JobLeaseRepository::complete(std::int64_t job_id, std::string_view token) {
  return db_.prepare(fmt::format("UPDATE jobs SET state = 'done', progress = 100, eta_seconds = 0, error = NULL, "
                                 "finished_at = {0}, heartbeat_at = {0}, lease_token = NULL, lease_node = NULL, "
                                 "lease_expires_at = NULL WHERE id = ? AND lease_token = ? AND state = 'running'",
                                 now_sql()))
             .bind_all(job_id, token)
             .run() > 0;
}

FailOutcome JobLeaseRepository::fail(std::int64_t job_id, std::string_view token, std::string_view error,
                                     bool retryable, const RetryPolicy& policy) {
  int attempts = 0;
  {
    auto find = db_.prepare("SELECT attempts FROM jobs WHERE id = ? AND lease_token = ? AND state = 'running'");
    find.bind_all(job_id, token);
    if (!find.step()) return FailOutcome::gone;
    attempts = static_cast<int>(find.column_int(0));
  }
  if (retryable && attempts < policy.max_attempts) {
    const auto changed =
        db_.prepare(fmt::format("UPDATE jobs SET {}, error = ?, not_before = {} + ? WHERE id = ? AND lease_token = ?",
                                kBackToQueue, now_sql()))
            .bind_all(error, policy.delay_after(attempts), job_id, token)
            .run();
    return changed > 0 ? FailOutcome::retrying : FailOutcome::gone;
  }
  const auto changed = db_.prepare(fmt::format("UPDATE jobs SET state = 'failed', error = ?, fps = NULL, eta_seconds = "
                                               "NULL, finished_at = {}, lease_token = NULL, lease_node = NULL, "
                                               "lease_expires_at = NULL WHERE id = ? AND lease_token = ?",
                                               now_sql()))
                           .bind_all(error, job_id, token)
                           .run();
  return changed > 0 ? FailOutcome::failed : FailOutcome::gone;
}

bool JobLeaseRepository::postpone(std::int64_t job_id, std::string_view token, std::string_view reason,
                                  std::int64_t delay_ms) {
  return db_.prepare(fmt::format("UPDATE jobs SET {}, attempts = attempts - 1, error = ?, not_before = {} + ? "
                                 "WHERE id = ? AND lease_token = ? AND state = 'running'",
                                 kBackToQueue, now_sql()))
             .bind_all(reason, delay_ms, job_id, token)
             .run() > 0;
}

ReapResult JobLeaseRepository::reap(const RetryPolicy& policy) {
  return requeue_where(fmt::format("lease_expires_at < {}", now_sql()), std::nullopt, policy);
}

ReapResult JobLeaseRepository::release_node(std::string_view node, const RetryPolicy& policy) {
  return requeue_where("lease_node = ?", node, policy);
}

ReapResult JobLeaseRepository::requeue_where(std::string_view condition, std::optional<std::string_view> node,
                                             const RetryPolicy& policy) {
  ReapResult result;
  Transaction tx(db_);
  const std::string where = fmt::format("state = 'running' AND lease_token IS NOT NULL AND {}", condition);
  {
    auto out = db_.prepare(
        fmt::format("SELECT id, video_id, attempts FROM jobs WHERE {} AND attempts >= ? ORDER BY id", where));
    int index = 1;
    if (node) out.bind(index++, *node);
    out.bind(index, std::int64_t{policy.max_attempts});
    while (out.step()) {
      Job job;
      job.id = out.column_int(0);
      job.video_id = out.column_text(1);
      job.attempts = static_cast<int>(out.column_int(2));
      job.state = JobState::failed;
      job.error = fmt::format("the runner stopped answering {} times", job.attempts);
      result.failed.push_back(std::move(job));
    }
  }
  for (const Job& job : result.failed) {
    db_.prepare(fmt::format("UPDATE jobs SET state = 'failed', error = ?, fps = NULL, eta_seconds = NULL, "
                            "finished_at = {}, lease_token = NULL, lease_node = NULL, lease_expires_at = NULL "
                            "WHERE id = ?",
                            now_sql()))
        .bind_all(job.error, job.id)
        .run();
  }
  auto requeue = db_.prepare(fmt::format("UPDATE jobs SET {}, not_before = 0 WHERE {}", kBackToQueue, where));
  if (node) requeue.bind(1, *node);
  result.requeued = static_cast<int>(requeue.run());
  tx.commit();
  return result;
}

}  // namespace tidecast::catalog

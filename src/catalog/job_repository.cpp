#include "catalog/job_repository.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns =
    "id, video_id, kind, state, attempts, not_before, progress, fps, eta_seconds, error, created_at, started_at, "
    "finished_at, heartbeat_at";

JobState parse_state(std::string_view text) {
  if (text == "running") return JobState::running;
  if (text == "done") return JobState::done;
  if (text == "failed") return JobState::failed;
  return JobState::queued;
}

std::optional<double> optional_double(const Statement& row, int column) {
  if (row.column_is_null(column)) return std::nullopt;
  return row.column_double(column);
}

Job read_job(const Statement& row) {
  Job j;
  j.id = row.column_int(0);
  j.video_id = row.column_text(1);
  j.kind = row.column_text(2);
  j.state = parse_state(row.column_text(3));
  j.attempts = static_cast<int>(row.column_int(4));
  j.not_before = row.column_int(5);
  j.progress = row.column_double(6);
  j.fps = optional_double(row, 7);
  j.eta_seconds = optional_double(row, 8);
  j.error = row.column_text(9);
  j.created_at = row.column_int(10);
  j.started_at = row.column_optional_int(11);
  j.finished_at = row.column_optional_int(12);
  j.heartbeat_at = row.column_optional_int(13);
  return j;
}

void bind_optional(Statement& stmt, int index, const std::optional<double>& value) {
  if (value) {
    stmt.bind(index, *value);
  } else {
    stmt.bind(index, std::nullopt);
  }
}

}  // namespace

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::queued:
      return "queued";
    case JobState::running:
      return "running";
    case JobState::done:
      return "done";
    case JobState::failed:
      return "failed";
  }
  return "queued";
}

std::int64_t RetryPolicy::delay_after(int attempts) const {
  std::int64_t delay = base_delay_ms;
  for (int i = 1; i < attempts && delay < max_delay_ms; ++i) delay *= 2;
  return std::min(delay, max_delay_ms);
}

std::int64_t JobRepository::enqueue(std::string_view video_id, std::string_view kind) {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto insert =
      db_.prepare("INSERT INTO jobs (video_id, kind, state, created_at) VALUES (?, ?, 'queued', ?) RETURNING id");
  insert.bind_all(video_id, kind, now).step();
  const std::int64_t id = insert.column_int(0);
  insert.run();
  return id;
}

std::optional<Job> JobRepository::claim(std::int64_t now_ms) {
  // One statement. SQLite: the sub-select and the update run under the same
  // write lock, so no two claims can pick the same row. PostgreSQL: the
  // sub-select locks the row it picks and skips rows other claims hold, so
  // concurrent runners take different jobs without waiting on each other.
  const std::string_view lock = db_.dialect() == Dialect::postgres ? " FOR UPDATE SKIP LOCKED" : "";
  auto stmt = db_.prepare(
      fmt::format("UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?1, heartbeat_at = ?1, "
                  "progress = 0, fps = NULL, eta_seconds = NULL, finished_at = NULL "
                  "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND not_before <= ?1 ORDER BY id LIMIT 1{}) "
                  "RETURNING {}",
                  lock, kColumns));
  stmt.bind(1, now_ms);
  if (!stmt.step()) return std::nullopt;
  Job job = read_job(stmt);
  stmt.run();  // finish the statement so the write commits now
  return job;
}

bool JobRepository::heartbeat(std::int64_t id, const JobProgress& progress, std::int64_t now_ms) {
  auto stmt = db_.prepare(
      "UPDATE jobs SET progress = ?, fps = ?, eta_seconds = ?, heartbeat_at = ? WHERE id = ? AND state = 'running'");
  stmt.bind(1, std::clamp(progress.percent, 0.0, 100.0));
  bind_optional(stmt, 2, progress.fps);
  bind_optional(stmt, 3, progress.eta_seconds);
  return stmt.bind(4, now_ms).bind(5, id).run() > 0;
}

bool JobRepository::complete(std::int64_t id, std::int64_t now_ms) {
  return db_.prepare(
                "UPDATE jobs SET state = 'done', progress = 100, eta_seconds = 0, error = NULL, finished_at = ?, "
                "heartbeat_at = ? WHERE id = ? AND state = 'running'")
             .bind_all(now_ms, now_ms, id)
             .run() > 0;
}

FailOutcome JobRepository::fail(std::int64_t id, std::string_view error, bool retryable, const RetryPolicy& policy,
                                std::int64_t now_ms) {
  const auto job = find(id);
  if (!job) return FailOutcome::gone;
  if (retryable && job->attempts < policy.max_attempts) {
    db_.prepare(
           "UPDATE jobs SET state = 'queued', error = ?, not_before = ?, progress = 0, fps = NULL, "
           "eta_seconds = NULL WHERE id = ?")
        .bind_all(error, now_ms + policy.delay_after(job->attempts), id)
        .run();
    return FailOutcome::retrying;
  }
  db_.prepare(
         "UPDATE jobs SET state = 'failed', error = ?, fps = NULL, eta_seconds = NULL, finished_at = ? WHERE id = ?")
      .bind_all(error, now_ms, id)
      .run();
  return FailOutcome::failed;
}

RecoveryResult JobRepository::requeue_running(const RetryPolicy& policy, std::int64_t now_ms) {
  RecoveryResult result;
  Transaction tx(db_);
  auto out_of_attempts =
      db_.prepare(fmt::format("SELECT {} FROM jobs WHERE state = 'running' AND attempts >= ? ORDER BY id", kColumns));
  out_of_attempts.bind(1, std::int64_t{policy.max_attempts});
  while (out_of_attempts.step()) result.failed.push_back(read_job(out_of_attempts));
  for (Job& job : result.failed) {
    job.error = fmt::format("interrupted {} times (the server stopped during conversion)", job.attempts);
    job.state = JobState::failed;
    db_.prepare(
           "UPDATE jobs SET state = 'failed', error = ?, fps = NULL, eta_seconds = NULL, finished_at = ? WHERE id = ?")
        .bind_all(job.error, now_ms, job.id)
        .run();
  }
  result.requeued = static_cast<int>(
      db_.prepare("UPDATE jobs SET state = 'queued', progress = 0, fps = NULL, eta_seconds = NULL, not_before = 0 "
                  "WHERE state = 'running'")
          .run());
  tx.commit();
  return result;
}

bool JobRepository::fail_queued_for_video(std::string_view video_id, std::string_view error, std::int64_t now_ms) {
  return db_.prepare(
                "UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE video_id = ? AND state = 'queued'")
             .bind_all(error, now_ms, video_id)
             .run() > 0;
}

std::optional<Job> JobRepository::find(std::int64_t id) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM jobs WHERE id = ?", kColumns));
  stmt.bind(1, id);
  if (!stmt.step()) return std::nullopt;
  return read_job(stmt);
}

std::optional<Job> JobRepository::latest_for_video(std::string_view video_id) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM jobs WHERE video_id = ? ORDER BY id DESC LIMIT 1", kColumns));
  stmt.bind(1, video_id);
  if (!stmt.step()) return std::nullopt;
  return read_job(stmt);
}

std::vector<Job> JobRepository::list(std::size_t limit) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM jobs ORDER BY id DESC LIMIT ?", kColumns));
  stmt.bind(1, static_cast<std::int64_t>(limit));
  std::vector<Job> out;
  while (stmt.step()) out.push_back(read_job(stmt));
  return out;
}

std::vector<Job> JobRepository::list_for_owner(std::int64_t owner_id, std::size_t limit) {
  std::string columns;
  for (std::string_view rest = kColumns; !rest.empty();) {
    const std::size_t comma = rest.find(", ");
    columns += (columns.empty() ? "j." : ", j.") + std::string(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 2);
  }
  auto stmt = db_.prepare(fmt::format(
      "SELECT {} FROM jobs j JOIN videos v ON v.id = j.video_id WHERE v.owner_id = ? ORDER BY j.id DESC LIMIT ?",
      columns));
  stmt.bind(1, owner_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<Job> out;
  while (stmt.step()) out.push_back(read_job(stmt));
  return out;
}

std::optional<std::int64_t> JobRepository::next_due_ms() {
  auto stmt = db_.prepare("SELECT MIN(not_before) FROM jobs WHERE state = 'queued'");
  if (!stmt.step() || stmt.column_is_null(0)) return std::nullopt;
  return stmt.column_int(0);
}

std::vector<std::pair<std::string, std::int64_t>> JobRepository::count_by_state() {
  std::vector<std::pair<std::string, std::int64_t>> out{{"queued", 0}, {"running", 0}, {"done", 0}, {"failed", 0}};
  auto stmt = db_.prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state");
  while (stmt.step()) {
    for (auto& [state, count] : out) {
      if (state == stmt.column_text(0)) count = stmt.column_int(1);
    }
  }
  return out;
}

}  // namespace tidecast::catalog

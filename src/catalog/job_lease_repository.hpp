#pragma once
// Conversion jobs claimed by runners in a cluster (PostgreSQL; SQLite works
// too, for tests and a single box). A claim takes the oldest due job with a
// lease: a fresh random token, the runner's node and an expiry in the
// database's own clock (so runners on other machines need no synchronised
// clocks). Every write a runner makes about its job carries the token: a
// heartbeat renews the lease, the completion (in the storage node's
// publishing transaction) and a failure end it. A lease that runs out is
// returned to the queue by the reaper (any node runs it), which clears the
// token, so the runner that lost it is refused from then on. Attempts are
// capped by the RetryPolicy like the in-process queue's.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/job_repository.hpp"

namespace tidecast::catalog {

struct JobLease {
  std::int64_t job_id = 0;
  std::string video_id;
  int attempts = 0;  // including this one
  std::string token;
};

struct ReapResult {
  int requeued = 0;
  std::vector<Job> failed;  // out of attempts (their videos are to be marked failed)
};

class JobLeaseRepository {
 public:
  explicit JobLeaseRepository(Database& db) : db_(db) {}

  // The oldest queued job that is due, now running under a new lease held by `node`.
  std::optional<JobLease> claim(std::string_view node, std::int64_t ttl_ms);
  // Stores progress and renews the lease; false when the lease is no longer
  // this token's (reaped, deleted, finished): the runner must stop.
  bool heartbeat(std::int64_t job_id, std::string_view token, const JobProgress& progress, std::int64_t ttl_ms);
  // True while `token` holds the job's lease (a running job).
  bool holds(std::int64_t job_id, std::string_view token);
  // Marks the job done if `token` still holds it. Run it inside the
  // transaction that publishes the video.
  bool complete(std::int64_t job_id, std::string_view token);
  // Ends this lease with a failure: queued again after the backoff or failed
  // for good (as JobRepository::fail); `gone` when the token no longer holds it.
  FailOutcome fail(std::int64_t job_id, std::string_view token, std::string_view error, bool retryable,
                   const RetryPolicy& policy);
  // Gives the job back without using an attempt (the storage node holding its
  // original did not answer: the job waits for it); due again after `delay_ms`.
  bool postpone(std::int64_t job_id, std::string_view token, std::string_view reason, std::int64_t delay_ms);
  // Jobs whose lease expired go back to the queue (keeping their place), or
  // fail when they have used all their attempts.
  ReapResult reap(const RetryPolicy& policy);
  // At a runner's start: leases this node held before it stopped are given
  // up at once (requeued like reaped ones), never another node's.
  ReapResult release_node(std::string_view node, const RetryPolicy& policy);

 private:
  ReapResult requeue_where(std::string_view condition, std::optional<std::string_view> node, const RetryPolicy& policy);
  std::string now_sql() const;
  Database& db_;
};

}  // namespace tidecast::catalog

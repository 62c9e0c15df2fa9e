#pragma once
// Conversion runners of a cluster (role `convert`). Each worker thread, with
// its own catalog connection and a raised niceness:
//
//   reap expired leases -> claim the oldest due job with a lease (token +
//   expiry) -> download the original from the node storing it -> probe ->
//   convert (vod::Converter, the same pipeline as a single box) while every
//   progress report renews the lease -> upload each output file into the
//   attempt directory on the storage node -> fenced commit there.
//
// A refused heartbeat (the lease was reaped and another runner has the job)
// stops the conversion at once; a refused commit (409) drops the output.
// Idle workers sleep until a job is queued (LISTEN/NOTIFY) or the poll
// interval passes. At start, leases this node held before it stopped are
// requeued; other nodes' leases are left to expire and be reaped.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "catalog/job_lease_repository.hpp"
#include "catalog/job_repository.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "vod/converter.hpp"
#include "vod/fenced_publish.hpp"
#include "vod/probe.hpp"

namespace tidecast::vod {

// Thrown by a StorageClient; `retryable` false means the request itself is bad.
class StorageError : public std::runtime_error {
 public:
  StorageError(const std::string& what, bool retryable, bool unreachable = false)
      : std::runtime_error(what), retryable_(retryable), unreachable_(unreachable) {}
  bool retryable() const { return retryable_; }
  // The storage node did not answer at all: the job waits for it (no attempt used).
  bool unreachable() const { return unreachable_; }

 private:
  bool retryable_;
  bool unreachable_;
};

// The storage node as a runner sees it (over the internal HTTP API; adapted
// by the composition root). Calls block the calling worker thread.
class StorageClient {
 public:
  virtual ~StorageClient() = default;
  virtual void download_original(const std::string& video_id, const std::filesystem::path& file) = 0;
  virtual void upload(const std::string& video_id, std::int64_t job_id, const std::string& token,
                      const std::string& relative_path, const std::filesystem::path& file) = 0;
  virtual CommitOutcome commit(const std::string& video_id, std::int64_t job_id, const std::string& token,
                               const ConversionResult& result) = 0;
};

struct RemoteJobRunnerOptions {
  std::string catalog_location;
  std::string node;                // this runner's name (lease holder)
  std::filesystem::path work_dir;  // downloads and outputs in progress
  unsigned workers = 1;
  catalog::RetryPolicy retry;
  int nice = 10;
  ProbeLimits probe;
  std::chrono::milliseconds lease{std::chrono::seconds(15)};
  std::chrono::milliseconds poll{std::chrono::seconds(5)};
  std::chrono::milliseconds storage_wait{std::chrono::seconds(10)};  // a job whose storage node is down waits this long
  core::Histogram* durations = nullptr;
  core::Counter* failures = nullptr;
};

class RemoteJobRunner {
 public:
  RemoteJobRunner(core::Logger& log, RemoteJobRunnerOptions options, Converter& converter, StorageClient& storage);
  ~RemoteJobRunner();
  RemoteJobRunner(const RemoteJobRunner&) = delete;
  RemoteJobRunner& operator=(const RemoteJobRunner&) = delete;

  // Requeues this node's own leases left from before, then starts the workers.
  void start();
  // Stops claiming and interrupts conversions in progress (their jobs go back
  // to the queue at once, without using an attempt).
  void stop();

 private:
  void work(unsigned index);
  void run(catalog::Database& db, const catalog::JobLease& lease);
  void fail(catalog::Database& db, const catalog::JobLease& lease, const std::string& reason, bool retryable);
  void mark_failed(catalog::Database& db, const std::vector<catalog::Job>& failed);
  bool stopping();

  core::Logger& log_;
  RemoteJobRunnerOptions options_;
  Converter& converter_;
  StorageClient& storage_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tidecast::vod

#pragma once
// Runs conversion jobs from the catalog queue on its own threads (never the
// I/O threads), each with its own catalog connection and a raised niceness,
// so live transcoding on the CPU pool keeps priority. A job:
//
//   claim (FIFO) -> probe the original -> convert into videos/.tmp-<id>/
//   -> rename to videos/<id>/ -> one transaction: renditions, media info,
//   video ready, job done.
//
// A crash at any point leaves either no output (the temporary directory is
// removed at the next start and the job queued again) or, between the rename
// and the commit, a directory the re-run replaces before its own rename.
// Progress is stored at least once a second.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/job_repository.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "vod/converter.hpp"
#include "vod/probe.hpp"

namespace tidecast::vod {

struct JobRunnerOptions {
  std::string catalog_location;         // SQLite file or PostgreSQL connection string
  std::filesystem::path originals_dir;  // <data_dir>/originals/<video id>
  std::filesystem::path videos_dir;     // <data_dir>/videos
  unsigned workers = 1;
  catalog::RetryPolicy retry;
  int nice = 10;
  ProbeLimits probe;
  core::Histogram* durations = nullptr;  // wall seconds of each finished conversion (metrics)
  core::Counter* failures = nullptr;     // attempts that failed
};

class JobRunner {
 public:
  JobRunner(core::Logger& log, JobRunnerOptions options, Converter& converter);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  void start();
  // Stops claiming jobs and interrupts the conversions in progress (within
  // about a second: between two packets); an interrupted job stays `running`
  // and start-up recovery queues it again, like after a crash.
  void stop();
  // A job was queued: idle workers look at the queue now.
  void wake();

 private:
  void work(unsigned index);
  void run(catalog::Database& db, const catalog::Job& job);
  void publish(catalog::Database& db, const catalog::Job& job, const ConversionResult& result,
               const std::filesystem::path& temp);
  void fail(catalog::Database& db, const catalog::Job& job, const std::string& reason, bool retryable);
  bool stopping();

  core::Logger& log_;
  JobRunnerOptions options_;
  Converter& converter_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t wakes_ = 0;  // bumped by wake(); a worker sleeps only if it saw no new one
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

std::filesystem::path temp_output_dir(const std::filesystem::path& videos_dir, std::string_view video_id);

}  // namespace tidecast::vod

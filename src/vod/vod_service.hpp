#pragma once
// On-demand videos from uploads: the composition of the upload store, the
// arrival check (probe), the job runner and deletion.
//
//   <data_dir>/uploads/<upload>.part    tus uploads in progress (post-*.part: plain POSTs)
//   <data_dir>/originals/<video>        the uploaded file, kept until the video is deleted
//   <data_dir>/videos/.tmp-<video>/     a conversion in progress
//   <data_dir>/videos/<video>/          the published output (also live recordings)
//
// accept() turns a complete upload into a video: the file moves to originals/
// and one transaction adds the video (pending), its conversion job and, for
// tus, marks the upload complete. The file is then probed on the arrival
// thread right away, so a file that is not usable media fails within seconds
// even while the workers are busy with earlier uploads.
//
// start() recovers from a crash before any thread runs: temporary output
// directories are removed, jobs left running are queued again, originals
// without a video and upload files without an upload are deleted.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "catalog/database.hpp"
#include "catalog/job_repository.hpp"
#include "catalog/upload_repository.hpp"
#include "catalog/video_repository.hpp"
#include "core/log.hpp"
#include "vod/converter.hpp"
#include "vod/job_runner.hpp"
#include "vod/probe.hpp"
#include "vod/upload_store.hpp"

namespace tidecast::vod {

struct VodOptions {
  std::filesystem::path data_dir;
  std::string catalog_location;  // SQLite file or PostgreSQL connection string
  std::uint64_t max_upload_bytes = 0;
  std::chrono::milliseconds upload_expiry{std::chrono::hours(24)};
  unsigned workers = 1;
  catalog::RetryPolicy retry;
  int nice = 10;
  ProbeLimits probe;
  core::Histogram* job_durations = nullptr;
  core::Counter* job_failures = nullptr;
  // The catalog is shared with other nodes (cluster): start-up recovery then
  // touches only this node's files, never jobs or uploads other nodes run.
  bool shared_catalog = false;
  // Cluster: this node's name, recorded as where an accepted upload is stored.
  std::string store_node;
  // Bumped by this service's writes to videos (deletions above all), so the
  // /vod lookup cache drops what it holds at once (catalog/video_changes.hpp).
  catalog::VideoChanges* video_changes = nullptr;
};

struct AcceptInfo {
  std::string title;                     // empty: from the file name
  std::string source_name;               // the uploaded file's name, if known
  std::optional<std::string> upload_id;  // tus upload this completes
};

class VodService {
 public:
  VodService(core::Logger& log, VodOptions options, std::unique_ptr<Converter> converter);
  ~VodService();

  void start();
  // Stops the arrival thread and the workers (waits for conversions in progress).
  void stop();

  UploadStore& uploads() { return *uploads_; }
  std::uint64_t max_upload_bytes() const { return options_.max_upload_bytes; }

  // A complete upload at `file` (moved away by this call) becomes a pending
  // video with a queued conversion. Throws on disk or catalog errors (the
  // file is then left where it was).
  catalog::Video accept(const std::filesystem::path& file, const AcceptInfo& info);
  // Removes a video's rows and files (a conversion in progress is dropped
  // when it ends). False when unknown; catalog::Conflict while a live
  // recording is still being written.
  bool delete_video(std::string_view id);

 private:
  void recover();
  void check_arrivals();
  void check_arrival(catalog::Database& db, const std::string& video_id);

  core::Logger& log_;
  VodOptions options_;
  std::filesystem::path originals_dir_;
  std::filesystem::path videos_dir_;
  std::unique_ptr<Converter> converter_;
  std::unique_ptr<UploadStore> uploads_;
  std::unique_ptr<JobRunner> runner_;

  std::mutex db_mutex_;  // guards db_ and the repositories over it
  catalog::Database db_;
  catalog::VideoRepository videos_;
  catalog::JobRepository jobs_;
  catalog::UploadRepository upload_rows_;

  std::mutex arrivals_mutex_;
  std::condition_variable arrivals_wake_;
  std::deque<std::string> arrivals_;
  bool stopping_ = false;
  std::thread arrivals_thread_;
};

}  // namespace tidecast::vod

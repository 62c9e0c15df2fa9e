#include "app/runner_role.hpp"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <mutex>

#include "app/catalog_adapters.hpp"
#include "catalog/catalog.hpp"
#include "catalog/cluster_node_repository.hpp"
#include "tidecast/server.hpp"
#include "transcode/av_util.hpp"

namespace tidecast::app {

namespace {

std::string describe(const cluster::BlockingResult& result) {
  if (result.status == 0) return result.error;
  return fmt::format("HTTP {}: {}", result.status, result.body.substr(0, 200));
}

// 5xx and no answer may pass (the storage node restarts); a 4xx will not.
bool retryable(const cluster::BlockingResult& result) {
  return result.status == 0 || result.status >= 500 || result.status == 409;
}

}  // namespace

// Where a video's files are (the catalog) and the calls to that node.
class RunnerRole::Storage : public vod::StorageClient {
 public:
  Storage(std::string catalog_location, cluster::BlockingClient& client)
      : location_(std::move(catalog_location)), client_(client) {}

  void download_original(const std::string& video_id, const std::filesystem::path& file) override {
    const std::string url = holder(video_id);
    const auto result = client_.get_file(url, "/internal/v1/storage/originals/" + video_id, file);
    if (result.status != 200 && result.status != 206) {
      throw vod::StorageError(fmt::format("GET original from {}: {}", url, describe(result)), retryable(result),
                              result.status == 0 || result.status == 503);
    }
  }

  void upload(const std::string& video_id, std::int64_t job_id, const std::string& token,
              const std::string& relative_path, const std::filesystem::path& file) override {
    const std::string url = holder(video_id);
    const auto result = client_.put_file(
        url, fmt::format("/internal/v1/storage/attempts/{}/{}/{}", job_id, token, relative_path), file);
    if (result.status != 201) {
      throw vod::StorageError(fmt::format("PUT {} to {}: {}", relative_path, url, describe(result)), retryable(result));
    }
  }

  vod::CommitOutcome commit(const std::string& video_id, std::int64_t job_id, const std::string& token,
                            const vod::ConversionResult& result) override {
    const std::string url = holder(video_id);
    const nlohmann::json body{{"token", token}, {"result", vod::result_to_json(result)}};
    const auto answer = client_.call("POST", url, fmt::format("/internal/v1/storage/jobs/{}/commit", job_id),
                                     body.dump(), "application/json");
    if (answer.status == 200) return vod::CommitOutcome::published;
    if (answer.status == 409) return vod::CommitOutcome::stale;
    if (answer.status == 410) return vod::CommitOutcome::gone;
    throw vod::StorageError(fmt::format("commit to {}: {}", url, describe(answer)), retryable(answer));
  }

 private:
  std::string holder(const std::string& video_id) {
    std::lock_guard lock(mutex_);
    if (!db_) db_.emplace(catalog::Database::open_location(location_));
    try {
      const auto stored = catalog::ClusterNodeRepository(*db_).stored_on(video_id);
      if (!stored) throw vod::StorageError("the video names no storage node", false);
      if (stored->internal_url.empty()) {
        throw vod::StorageError(fmt::format("storage node {} has not registered its address", stored->node), true);
      }
      return stored->internal_url;
    } catch (const catalog::DatabaseError&) {
      db_.reset();
      throw;
    }
  }

  std::string location_;
  cluster::BlockingClient& client_;
  std::mutex mutex_;
  std::optional<catalog::Database> db_;
};

RunnerRole::RunnerRole(const Config& config, std::string secret, core::Logger& log, core::Metrics& metrics)
    : auth_(config.cluster.node, std::move(secret)) {
  client_ = std::make_unique<cluster::BlockingClient>(auth_, cluster::BlockingClient::Options{});
  const std::string location = catalog_location(config);
  storage_ = std::make_unique<Storage>(location, *client_);
  const auto& j = config.jobs;
  converter_ = std::make_unique<vod::LadderConverter>(
      log, vod::LadderConverterOptions{config.transcode, config.live.segment_seconds, j.threads, j.max_seconds});
  vod::RemoteJobRunnerOptions options;
  options.catalog_location = location;
  options.node = config.cluster.node;
  options.work_dir = config.data_dir / "runner";
  options.workers = std::max(1u, j.workers);
  options.retry = {static_cast<int>(j.max_attempts), std::int64_t{j.retry_delay_seconds} * 1000, 3'600'000};
  options.nice = j.nice;
  // Renewed at every progress report (about once a second); a runner that
  // stops answering loses its job this long after its last report.
  options.lease = std::chrono::seconds(std::max(10u, 2 * config.cluster.lease_seconds));
  options.durations =
      &metrics.histogram("tidecast_runner_job_duration_seconds", "Wall time of conversions finished by this runner",
                         {5, 15, 30, 60, 120, 300, 600, 1800, 3600});
  options.failures = &metrics.counter("tidecast_runner_job_failures_total", "Runner conversion attempts that failed");
  runner_ = std::make_unique<vod::RemoteJobRunner>(log, std::move(options), *converter_, *storage_);
}

RunnerRole::~RunnerRole() {
  stop();
}

void RunnerRole::start() {
  runner_->start();
}

void RunnerRole::stop() {
  if (runner_) runner_->stop();
}

int runner_command(const Config& config) {
  if (!config.cluster.enabled) {
    throw std::runtime_error("tidecast runner: needs a cluster config (cluster.enabled, database, secret_file)");
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  core::Logger log(*core::parse_log_level(config.log_level));
  core::Metrics metrics;
  transcode::set_libav_log_level(log.level());
  std::filesystem::create_directories(config.data_dir);
  // Opening the catalog brings its schema up to date (or refuses a newer one).
  catalog::Catalog catalog(catalog_location(config));
  RunnerRole role(config, cluster::load_secret_file(config.cluster.secret_file, "cluster.secret_file"), log, metrics);
  role.start();
  std::printf("tidecast %s runner node=%s\n", version(), config.cluster.node.c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  log.info("runner", "stopping (conversions in progress go back to the queue)");
  role.stop();
  return 0;
}

}  // namespace tidecast::app

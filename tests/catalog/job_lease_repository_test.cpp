#include "catalog/job_lease_repository.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/cluster_node_repository.hpp"
#include "catalog/job_notifications.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;

namespace {

std::string add_video(Catalog& catalog) {
  NewVideo video;
  video.title = "clip";
  return catalog.videos().create(video).id;
}

const RetryPolicy kPolicy{3, 0, 0};

}  // namespace

TEST_CASE("job leases: oldest first, one token per claim, only the holder's writes count") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  std::vector<std::string> videos;
  for (int i = 0; i < 3; ++i) {
    videos.push_back(add_video(catalog));
    catalog.jobs().enqueue(videos.back());
  }
  JobLeaseRepository leases(catalog.database());
  const auto a = leases.claim("r1", 60'000);
  const auto b = leases.claim("r2", 60'000);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->video_id == videos[0]);
  CHECK(b->video_id == videos[1]);
  CHECK(a->attempts == 1);
  CHECK(a->token != b->token);
  CHECK(a->token.size() >= 16);

  CHECK(leases.heartbeat(a->job_id, a->token, {50, 30.0, 2.0}, 60'000));
  CHECK(catalog.jobs().find(a->job_id)->progress == doctest::Approx(50));
  CHECK_FALSE(leases.heartbeat(a->job_id, b->token, {60, {}, {}}, 60'000));  // not its token
  CHECK(leases.holds(a->job_id, a->token));
  CHECK_FALSE(leases.holds(a->job_id, b->token));

  CHECK_FALSE(leases.complete(a->job_id, b->token));
  CHECK(leases.complete(a->job_id, a->token));
  CHECK(catalog.jobs().find(a->job_id)->state == JobState::done);
  CHECK_FALSE(leases.complete(a->job_id, a->token));  // once
  CHECK_FALSE(leases.holds(a->job_id, a->token));
}

TEST_CASE("job leases: an expired lease is reaped, and its old holder is fenced out") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto video = add_video(catalog);
  const auto later = add_video(catalog);
  const auto job = catalog.jobs().enqueue(video);
  catalog.jobs().enqueue(later);
  JobLeaseRepository leases(catalog.database());

  const auto first = leases.claim("r1", 60'000);
  REQUIRE(first);
  CHECK(leases.reap(kPolicy).requeued == 0);                               // still live
  CHECK(leases.heartbeat(first->job_id, first->token, {10, {}, {}}, -1));  // r1 goes quiet: its lease runs out
  const auto reaped = leases.reap(kPolicy);
  CHECK(reaped.requeued == 1);
  CHECK(reaped.failed.empty());
  CHECK(catalog.jobs().find(job)->state == JobState::queued);

  // The job keeps its place in line: the next claim takes it again, with a new token.
  const auto second = leases.claim("r2", 60'000);
  REQUIRE(second);
  CHECK(second->job_id == job);
  CHECK(second->attempts == 2);
  CHECK(second->token != first->token);
  // r1 wakes up: its heartbeat, completion and failure are all refused.
  CHECK_FALSE(leases.heartbeat(job, first->token, {90, {}, {}}, 60'000));
  CHECK_FALSE(leases.complete(job, first->token));
  CHECK(leases.fail(job, first->token, "boom", true, kPolicy) == FailOutcome::gone);
  CHECK(leases.complete(job, second->token));
}

TEST_CASE("job leases: attempts are capped; failures go back with their backoff or fail for good") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto video = add_video(catalog);
  const auto job = catalog.jobs().enqueue(video);
  JobLeaseRepository leases(catalog.database());
  const RetryPolicy policy{2, 0, 0};

  auto lease = leases.claim("r1", 60'000);
  REQUIRE(lease);
  CHECK(leases.fail(job, lease->token, "disk full", true, policy) == FailOutcome::retrying);
  CHECK(catalog.jobs().find(job)->error == "disk full");
  lease = leases.claim("r1", -1);  // the second attempt's runner dies at once
  REQUIRE(lease);
  CHECK(lease->attempts == 2);
  const auto reaped = leases.reap(policy);
  CHECK(reaped.requeued == 0);
  REQUIRE(reaped.failed.size() == 1);
  CHECK(reaped.failed[0].video_id == video);
  CHECK(catalog.jobs().find(job)->state == JobState::failed);
  CHECK_FALSE(leases.claim("r1", 60'000));

  // A failure that is not retryable fails at once.
  const auto other = catalog.jobs().enqueue(add_video(catalog));
  lease = leases.claim("r1", 60'000);
  REQUIRE(lease);
  CHECK(lease->job_id == other);
  CHECK(leases.fail(other, lease->token, "not media", false, policy) == FailOutcome::failed);
}

TEST_CASE("job leases: a job whose storage node is down waits without using an attempt") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  const auto job = catalog.jobs().enqueue(add_video(catalog));
  JobLeaseRepository leases(catalog.database());
  const auto lease = leases.claim("r1", 60'000);
  REQUIRE(lease);
  CHECK(leases.postpone(job, lease->token, "storage down", 60'000));
  const auto stored = catalog.jobs().find(job);
  CHECK(stored->state == JobState::queued);
  CHECK(stored->attempts == 0);
  CHECK(stored->error == "storage down");
  CHECK_FALSE(leases.claim("r1", 60'000));                      // not due yet
  CHECK_FALSE(leases.postpone(job, lease->token, "again", 0));  // the lease is gone
}

TEST_CASE("job leases: a runner's start-up releases only its own leases") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  for (int i = 0; i < 2; ++i) catalog.jobs().enqueue(add_video(catalog));
  JobLeaseRepository leases(catalog.database());
  const auto mine = leases.claim("r1", 60'000);
  const auto theirs = leases.claim("r2", 60'000);
  REQUIRE(mine);
  REQUIRE(theirs);
  const auto released = leases.release_node("r1", kPolicy);
  CHECK(released.requeued == 1);
  CHECK(catalog.jobs().find(mine->job_id)->state == JobState::queued);
  CHECK(leases.holds(theirs->job_id, theirs->token));
}

TEST_CASE("job leases: concurrent runners on their own connections never share a job") {
  TempDir dir;
  const std::string location = test_catalog_location(dir);
  Catalog catalog(location);
  constexpr int kJobs = 24;
  for (int i = 0; i < kJobs; ++i) catalog.jobs().enqueue(add_video(catalog));
  std::mutex mutex;
  std::multiset<std::int64_t> claimed;
  std::vector<std::thread> runners;
  for (int r = 0; r < 4; ++r) {
    runners.emplace_back([&, r] {
      auto db = Database::open_location(location);
      JobLeaseRepository leases(db);
      while (auto lease = leases.claim("r" + std::to_string(r), 60'000)) {
        std::lock_guard lock(mutex);
        claimed.insert(lease->job_id);
      }
    });
  }
  for (auto& t : runners) t.join();
  CHECK(claimed.size() == kJobs);
  CHECK(std::set<std::int64_t>(claimed.begin(), claimed.end()).size() == kJobs);
}

TEST_CASE("cluster nodes: the registry and where a video is stored") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  ClusterNodeRepository nodes(catalog.database());
  const auto video = add_video(catalog);
  CHECK_FALSE(nodes.stored_on(video));  // single box: local
  nodes.set_stored_on(video, "s1");
  auto stored = nodes.stored_on(video);
  REQUIRE(stored);
  CHECK(stored->node == "s1");
  CHECK(stored->internal_url.empty());  // not registered yet
  nodes.upsert("s1", "http://10.0.0.1:8080", "serve,storage", 1000);
  nodes.upsert("s1", "http://10.0.0.2:8080", "serve,storage", 2000);
  CHECK(nodes.stored_on(video)->internal_url == "http://10.0.0.2:8080");
  CHECK(nodes.internal_url("s1") == "http://10.0.0.2:8080");
  CHECK_FALSE(nodes.internal_url("nope"));
  CHECK_FALSE(nodes.stored_on("missing"));

  NewVideo recorded;
  recorded.title = "live";
  recorded.stored_on = "i1";
  CHECK(nodes.stored_on(catalog.videos().create(recorded).id)->node == "i1");
}

TEST_CASE("job notifications: a queued job wakes an idle runner on PostgreSQL; elsewhere it just waits") {
  TempDir dir;
  const std::string location = test_catalog_location(dir);
  Catalog catalog(location);
  JobNotifications notifications(location);
  CHECK_FALSE(notifications.wait(std::chrono::milliseconds(50)));  // nothing queued yet
  CHECK(notifications.listening() == tidecast::test::testing_postgres());
  catalog.jobs().enqueue(add_video(catalog));
  const auto started = std::chrono::steady_clock::now();
  const bool woken = notifications.wait(std::chrono::seconds(tidecast::test::testing_postgres() ? 10 : 0));
  CHECK(woken == tidecast::test::testing_postgres());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(9));
}

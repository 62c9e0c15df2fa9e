#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "catalog/catalog.hpp"
#include "support/temp_dir.hpp"
#include "support/test_catalog.hpp"

using namespace tidecast::catalog;
using tidecast::test::TempDir;
using tidecast::test::test_catalog_location;
using tidecast::test::testing_postgres;

namespace {

std::string add_video(Catalog& catalog) {
  NewVideo video;
  video.title = "clip";
  return catalog.videos().create(video).id;
}

}  // namespace

TEST_CASE("jobs are claimed first in, first out, each once") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& jobs = catalog.jobs();
  std::vector<std::string> videos;
  for (int i = 0; i < 5; ++i) {
    videos.push_back(add_video(catalog));
    jobs.enqueue(videos.back());
  }
  for (int i = 0; i < 5; ++i) {
    const auto job = jobs.claim(1000);
    REQUIRE(job);
    CHECK(job->video_id == videos[i]);
    CHECK(job->state == JobState::running);
    CHECK(job->attempts == 1);
    CHECK(job->started_at == 1000);
  }
  CHECK_FALSE(jobs.claim(1000));
}

TEST_CASE("two workers on two connections never claim the same job") {
  TempDir dir;
  const auto file = test_catalog_location(dir);
  Catalog catalog(file);
  constexpr int kJobs = 200;
  std::vector<std::string> videos;
  for (int i = 0; i < kJobs; ++i) {
    videos.push_back(add_video(catalog));
    catalog.jobs().enqueue(videos.back());
  }
  std::vector<std::int64_t> claimed[2];
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&, w] {
      Database db = Database::open_location(file);
      JobRepository jobs(db);
      while (const auto job = jobs.claim(1)) claimed[w].push_back(job->id);
    });
  }
  for (auto& t : workers) t.join();
  std::set<std::int64_t> all(claimed[0].begin(), claimed[0].end());
  all.insert(claimed[1].begin(), claimed[1].end());
  CHECK(claimed[0].size() + claimed[1].size() == kJobs);
  CHECK(all.size() == kJobs);  // no job twice
  // Each worker saw the queue in order.
  for (const auto& list : claimed) CHECK(std::is_sorted(list.begin(), list.end()));
}

TEST_CASE("failures retry with exponential backoff, then stay failed with their reason") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& jobs = catalog.jobs();
  const RetryPolicy policy{3, 1000, 60'000};
  CHECK(policy.delay_after(1) == 1000);
  CHECK(policy.delay_after(2) == 2000);
  CHECK(policy.delay_after(3) == 4000);
  CHECK(RetryPolicy{10, 1000, 5000}.delay_after(8) == 5000);

  const std::int64_t id = jobs.enqueue(add_video(catalog));
  std::int64_t now = 10'000;
  REQUIRE(jobs.claim(now));
  CHECK(jobs.fail(id, "disk full", true, policy, now) == FailOutcome::retrying);
  CHECK_FALSE(jobs.claim(now + 999));  // not before the backoff
  REQUIRE(jobs.claim(now + 1000));
  now += 1000;
  CHECK(jobs.fail(id, "disk full again", true, policy, now) == FailOutcome::retrying);
  CHECK(jobs.find(id)->not_before == now + 2000);
  CHECK(jobs.next_due_ms() == now + 2000);
  REQUIRE(jobs.claim(now + 2000));
  CHECK(jobs.fail(id, "disk still full", true, policy, now) == FailOutcome::failed);
  const auto failed = jobs.find(id);
  CHECK(failed->state == JobState::failed);
  CHECK(failed->attempts == 3);
  CHECK(failed->error == "disk still full");
  CHECK_FALSE(jobs.claim(now + 1'000'000));

  const std::int64_t bad = jobs.enqueue(add_video(catalog));
  REQUIRE(jobs.claim(now));
  CHECK(jobs.fail(bad, "not a media file", false, policy, now) == FailOutcome::failed);
  CHECK(jobs.fail(12345, "x", true, policy, now) == FailOutcome::gone);
}

TEST_CASE("a crash leaves jobs running: they are queued again in their old place") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& jobs = catalog.jobs();
  const RetryPolicy policy{2, 1000, 60'000};
  const std::int64_t first = jobs.enqueue(add_video(catalog));
  const std::int64_t second = jobs.enqueue(add_video(catalog));
  REQUIRE(jobs.claim(1)->id == first);  // then the "crash"
  const auto recovered = jobs.requeue_running(policy, 2);
  CHECK(recovered.requeued == 1);
  CHECK(recovered.failed.empty());
  auto again = jobs.claim(3);
  REQUIRE(again);
  CHECK(again->id == first);  // ahead of the second
  CHECK(again->attempts == 2);
  // Out of attempts after another crash: failed, with a reason.
  const auto exhausted = jobs.requeue_running(policy, 4);
  CHECK(exhausted.requeued == 0);
  REQUIRE(exhausted.failed.size() == 1);
  CHECK(exhausted.failed[0].id == first);
  CHECK(jobs.find(first)->state == JobState::failed);
  CHECK(jobs.find(first)->error.find("interrupted 2 times") != std::string::npos);
  CHECK(jobs.claim(5)->id == second);
}

TEST_CASE("progress is stored; a job whose video is deleted stops accepting it") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& jobs = catalog.jobs();
  const std::string video = add_video(catalog);
  const std::int64_t id = jobs.enqueue(video);
  REQUIRE(jobs.claim(1));
  CHECK(jobs.heartbeat(id, {42.5, 87.0, 12.0}, 2));
  const auto job = jobs.latest_for_video(video);
  REQUIRE(job);
  CHECK(job->progress == doctest::Approx(42.5));
  CHECK(job->fps == doctest::Approx(87.0));
  CHECK(job->eta_seconds == doctest::Approx(12.0));
  CHECK(job->heartbeat_at == 2);
  CHECK(catalog.videos().remove(video));
  CHECK_FALSE(jobs.heartbeat(id, {50, {}, {}}, 3));
  CHECK_FALSE(jobs.complete(id, 4));
  CHECK(jobs.list().empty());
}

TEST_CASE("the arrival check fails a job only while it is still queued") {
  TempDir dir;
  Catalog catalog(test_catalog_location(dir));
  auto& jobs = catalog.jobs();
  const std::string a = add_video(catalog);
  const std::string b = add_video(catalog);
  jobs.enqueue(a);
  jobs.enqueue(b);
  REQUIRE(jobs.claim(1)->video_id == a);
  CHECK_FALSE(jobs.fail_queued_for_video(a, "not a media file", 2));  // running: its worker decides
  CHECK(jobs.fail_queued_for_video(b, "not a media file", 2));
  CHECK(jobs.latest_for_video(b)->state == JobState::failed);
  CHECK(jobs.latest_for_video(b)->error == "not a media file");
}

// Thread names as the kernel reports them (/proc/self/task/*/comm).
#include "core/thread_name.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

using namespace tidecast;

namespace {
int threads_named(const std::string& name) {
  int count = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    std::getline(comm, line);
    count += line == name ? 1 : 0;
  }
  return count;
}
}  // namespace

TEST_CASE("a thread takes the name it gives itself, cut to the kernel's 15 characters") {
  std::thread t([] {
    core::name_this_thread("tc-a-name-longer-than-fifteen");
    CHECK(threads_named("tc-a-name-longe") == 1);
  });
  t.join();
}

TEST_CASE("every thread of a pool is named, none twice") {
  boost::asio::thread_pool pool(3);
  core::name_pool_threads(pool, 3, "tc-pool-test");
  CHECK(threads_named("tc-pool-test") == 3);
  pool.join();
}

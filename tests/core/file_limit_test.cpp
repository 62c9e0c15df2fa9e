// The open-file limit is raised to the hard limit, in a child process so the
// test runner's own limit is untouched.
#include "core/file_limit.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace tidecast;

TEST_CASE("open file limit: a low soft limit is raised to the hard limit") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max < 512) ::_exit(3);
    limit.rlim_cur = 256;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(4);
    const core::FileLimit raised = core::raise_open_file_limit();
    rlimit after{};
    ::getrlimit(RLIMIT_NOFILE, &after);
    const bool ok = raised.before == 256 && raised.now == limit.rlim_max && after.rlim_cur == limit.rlim_max;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

#include "core/file_limit.hpp"

#include <sys/resource.h>

namespace tidecast::core {

FileLimit raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  FileLimit result{.before = limit.rlim_cur, .now = limit.rlim_cur};
  if (limit.rlim_cur >= limit.rlim_max) return result;
  rlimit raised = limit;
  raised.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) result.now = raised.rlim_cur;
  return result;
}

}  // namespace tidecast::core

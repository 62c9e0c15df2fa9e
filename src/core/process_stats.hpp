#pragma once
// This process's resource use, read from /proc/self (Linux).
#include <cstdint>

namespace tidecast::core {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t open_fds = 0;
};

ProcessStats read_process_stats();

}  // namespace tidecast::core

#include "core/process_stats.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tidecast::core {

ProcessStats read_process_stats() {
  ProcessStats stats;
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    for (int i = 1; i <= 13 && rest >> field; ++i) {
      if (i == 12 || i == 13) stats.cpu_seconds += std::stod(field) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  std::ifstream status("/proc/self/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) stats.resident_bytes = std::stoull(line.substr(6)) * 1024;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++stats.open_fds;
  }
  return stats;
}

}  // namespace tidecast::core

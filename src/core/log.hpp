#pragma once
// One line per event: `<utc time> <LEVEL> <component> <message key=value ...>`.
// Thread-safe; a line is written with a single fwrite so lines never interleave.
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string_view>

namespace tidecast::core {

enum class LogLevel { debug = 0, info, warn, error, off };

std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);

class Logger {
 public:
  explicit Logger(LogLevel level = LogLevel::info, std::FILE* out = stdout);

  void set_level(LogLevel level) { level_.store(level, std::memory_order_relaxed); }
  LogLevel level() const { return level_.load(std::memory_order_relaxed); }
  bool enabled(LogLevel level) const { return level >= this->level(); }

  template <class... Args>
  void log(LogLevel level, std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    if (!enabled(level)) return;
    write(level, component, fmt::vformat(format, fmt::make_format_args(args...)));
  }
  template <class... Args>
  void debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    log(LogLevel::debug, component, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void info(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    log(LogLevel::info, component, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void warn(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    log(LogLevel::warn, component, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void error(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
    log(LogLevel::error, component, format, std::forward<Args>(args)...);
  }

 private:
  void write(LogLevel level, std::string_view component, std::string_view message);

  std::atomic<LogLevel> level_;
  std::mutex mutex_;
  std::FILE* out_;
};

}  // namespace tidecast::core

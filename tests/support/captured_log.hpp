#pragma once
// A Logger writing into a temporary file the test reads back, for checking the
// exact lines a component logs (and how many: "logged once" is a feature).
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/log.hpp"

namespace tidecast::test {

class CapturedLog {
 public:
  explicit CapturedLog(core::LogLevel level = core::LogLevel::info);
  ~CapturedLog();
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  core::Logger& logger() { return logger_; }
  std::string text() const;                          // everything logged so far
  std::size_t count(std::string_view needle) const;  // occurrences in text()

 private:
  std::FILE* sink_;
  core::Logger logger_;
};

// Occurrences of `needle` in `text` (overlapping ones too).
std::size_t count_of(std::string_view text, std::string_view needle);

}  // namespace tidecast::test

#include "support/captured_log.hpp"

#include <stdexcept>

namespace tidecast::test {

CapturedLog::CapturedLog(core::LogLevel level) : sink_(std::tmpfile()), logger_(level, sink_) {
  if (sink_ == nullptr) throw std::runtime_error("CapturedLog: no temporary file");
}

CapturedLog::~CapturedLog() {
  std::fclose(sink_);
}

std::string CapturedLog::text() const {
  std::fflush(sink_);
  std::rewind(sink_);
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, sink_)) out += buffer;
  return out;
}

std::size_t CapturedLog::count(std::string_view needle) const {
  return count_of(text(), needle);
}

std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace tidecast::test

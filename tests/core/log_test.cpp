#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "core/log.hpp"

using tidecast::core::Logger;
using tidecast::core::LogLevel;

namespace {
std::string read_all(std::FILE* file) {
  std::rewind(file);
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, file)) out += buffer;
  return out;
}
}  // namespace

TEST_CASE("one line per event with level, component and fields; lower levels filtered") {
  std::FILE* sink = std::tmpfile();
  Logger log(LogLevel::info, sink);
  log.debug("rtmp", "hidden n={}", 1);
  log.info("http", "listening addr={} port={}", "127.0.0.1", 8080);
  log.error("catalog", "failed error=\"{}\"", "disk full");
  const std::string text = read_all(sink);
  std::fclose(sink);
  CHECK(text.find("hidden") == std::string::npos);
  CHECK(text.find(" INFO http listening addr=127.0.0.1 port=8080\n") != std::string::npos);
  CHECK(text.find(" ERROR catalog failed error=\"disk full\"\n") != std::string::npos);
  CHECK(text[4] == '-');  // starts with an ISO date
}

TEST_CASE("log levels parse") {
  CHECK(tidecast::core::parse_log_level("warn") == LogLevel::warn);
  CHECK_FALSE(tidecast::core::parse_log_level("verbose"));
}

#pragma once
// Turns catalog failures the environment causes (database locked by another
// process, read-only file or file system, disk full, I/O error) into a clear
// 503 for the client instead of a 500, and logs them at most once a minute
// with the number of failed requests since the last line.
#include <chrono>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>

#include "core/log.hpp"
#include "http/message.hpp"

namespace tidecast::app {

class CatalogFaults {
 public:
  explicit CatalogFaults(core::Logger& log) : log_(log) {}

  // Inside a catch block of a request handler: a 503 for an environmental
  // SQLite failure (logged once per outage), nullopt for anything else.
  std::optional<http::Response> respond(const std::exception& error);

 private:
  core::Logger& log_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_log_{};
  std::size_t unlogged_ = 0;
};

}  // namespace tidecast::app

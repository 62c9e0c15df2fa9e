#include "app/catalog_faults.hpp"

#include <sqlite3.h>

#include "catalog/sqlite.hpp"

namespace tidecast::app {

namespace {

// nullptr when the failure is not the environment's (a bug, a constraint).
const char* classify(int code) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "catalog_locked";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return "catalog_read_only";
    case SQLITE_FULL:
      return "catalog_disk_full";
    case SQLITE_IOERR:
      return "catalog_io_error";
    default:
      return nullptr;
  }
}

}  // namespace

std::optional<http::Response> CatalogFaults::respond(const std::exception& error) {
  const auto* sqlite = dynamic_cast<const catalog::SqliteError*>(&error);
  if (sqlite == nullptr) return std::nullopt;
  const char* code = classify(sqlite->code());
  if (code == nullptr) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (last_log_ == std::chrono::steady_clock::time_point{} || now - last_log_ >= std::chrono::minutes(1)) {
      log_.error("catalog", "unavailable kind={} error=\"{}\" failed_requests_since_last_line={} (answering 503)", code,
                 error.what(), unlogged_);
      last_log_ = now;
      unlogged_ = 0;
    } else {
      ++unlogged_;
    }
  }
  http::Response response = http::make_json_error(
      http::Status::service_unavailable, code,
      "the catalog database is unavailable (locked by another process, read-only or out of space); try again later");
  response.set(boost::beast::http::field::retry_after, "5");
  return response;
}

}  // namespace tidecast::app

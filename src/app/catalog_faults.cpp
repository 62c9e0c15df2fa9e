#include "app/catalog_faults.hpp"

#include "catalog/database.hpp"

namespace tidecast::app {

namespace {

// nullptr when the failure is not the environment's (a bug, a constraint).
const char* code_of(catalog::Fault fault) {
  switch (fault) {
    case catalog::Fault::locked:
      return "catalog_locked";
    case catalog::Fault::read_only:
      return "catalog_read_only";
    case catalog::Fault::disk_full:
      return "catalog_disk_full";
    case catalog::Fault::io_error:
      return "catalog_io_error";
    case catalog::Fault::unavailable:
      return "catalog_unavailable";
    case catalog::Fault::none:
      break;
  }
  return nullptr;
}

}  // namespace

std::optional<http::Response> CatalogFaults::respond(const std::exception& error) {
  const auto* failure = dynamic_cast<const catalog::DatabaseError*>(&error);
  if (failure == nullptr) return std::nullopt;
  const char* code = code_of(failure->fault());
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
  http::Response response = http::make_json_error(http::Status::service_unavailable, code,
                                                  "the catalog database is unavailable (unreachable, locked by another "
                                                  "process, read-only or out of space); try again later");
  response.set(boost::beast::http::field::retry_after, "5");
  return response;
}

}  // namespace tidecast::app

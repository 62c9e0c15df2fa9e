#pragma once
// Login attempts per client address, shared by a cluster's nodes, so that
// attempts spread over several nodes meet the same limit as on one (a single
// box keeps them in memory: core::RateLimiter). A sliding 60-s window in the
// database's own clock; rows that left the window are deleted as it goes.
#include <cstdint>
#include <string_view>

#include "catalog/database.hpp"

namespace tidecast::catalog {

class LoginAttemptRepository {
 public:
  explicit LoginAttemptRepository(Database& db) : db_(db) {}

  // Counts an attempt by `address` unless it made `per_minute` within the
  // last 60 s: 0 when allowed, else the whole seconds (at least 1) until the
  // next one would be. Refused attempts are not counted.
  std::int64_t attempt(std::string_view address, unsigned per_minute);

 private:
  Database& db_;
};

}  // namespace tidecast::catalog

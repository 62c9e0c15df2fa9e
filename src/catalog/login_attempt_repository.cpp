#include "catalog/login_attempt_repository.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tidecast::catalog {

namespace {
constexpr std::int64_t kWindowMs = 60'000;
}  // namespace

std::int64_t LoginAttemptRepository::attempt(std::string_view address, unsigned per_minute) {
  const bool postgres = db_.dialect() == Dialect::postgres;
  Transaction tx(db_);
  if (postgres) {
    // Two nodes checking one address at once: one after the other.
    auto lock = db_.prepare("SELECT pg_advisory_xact_lock(hashtext(?))");
    lock.bind(1, address);
    lock.step();
    lock.run();
  }
  auto clock = db_.prepare(postgres ? "SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT"
                                    : "SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)");
  clock.step();
  const std::int64_t now = clock.column_int(0);
  clock.run();
  db_.prepare("DELETE FROM login_attempts WHERE at <= ?").bind_all(now - kWindowMs).run();
  auto count = db_.prepare("SELECT COUNT(*), MIN(at) FROM login_attempts WHERE address = ?");
  count.bind(1, address);
  count.step();
  const std::int64_t made = count.column_int(0);
  const std::int64_t oldest = count.column_is_null(1) ? now : count.column_int(1);
  count.run();
  if (made >= static_cast<std::int64_t>(per_minute)) {
    tx.commit();
    return std::max<std::int64_t>(1, (oldest + kWindowMs - now + 999) / 1000);
  }
  db_.prepare("INSERT INTO login_attempts (address, at) VALUES (?, ?)").bind_all(address, now).run();
  tx.commit();
  return 0;
}

}  // namespace tidecast::catalog

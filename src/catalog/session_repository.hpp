#pragma once
// Browser sessions. The cookie value is a 190-bit random secret; only its
// SHA-256 is stored, so a copy of the database cannot be replayed as a login.
// Each session has its own CSRF token (sent back as X-CSRF-Token).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/bookkeeping_write.hpp"
#include "catalog/database.hpp"
#include "catalog/user_repository.hpp"

namespace tidecast::catalog {

struct Session {
  User user;
  std::string csrf_token;
  std::int64_t created_at = 0;  // unix seconds
  std::int64_t expires_at = 0;
  std::int64_t last_seen = 0;
};

struct CreatedSession {
  std::string secret;  // the cookie value; never stored
  Session session;
};

class SessionRepository {
 public:
  explicit SessionRepository(Database& db) : db_(db) {}

  CreatedSession create(const User& user, std::int64_t lifetime_seconds, std::int64_t now);
  // The live session a cookie value names (expired ones are nullopt); notes
  // last_seen at most once a minute.
  std::optional<Session> find(std::string_view secret, std::int64_t now);
  // False when there was no such session.
  bool remove(std::string_view secret);
  // Removes expired sessions; returns how many.
  int remove_expired(std::int64_t now);

 private:
  Database& db_;
  BookkeepingWrite touch_;  // last-used times: best effort
};

}  // namespace tidecast::catalog

#include "catalog/session_repository.hpp"

#include "core/crypto.hpp"

namespace tidecast::catalog {

namespace {
constexpr std::size_t kMaxSecretBytes = 256;
}

CreatedSession SessionRepository::create(const User& user, std::int64_t lifetime_seconds, std::int64_t now) {
  CreatedSession out;
  out.secret = core::random_token(24);
  out.session = Session{user, core::random_token(24), now, now + lifetime_seconds, now};
  db_.prepare(
         "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen) VALUES (?, ?, ?, ?, "
         "?, ?)")
      .bind_all(core::sha256_hex(out.secret), user.id, out.session.csrf_token, now, out.session.expires_at, now)
      .run();
  return out;
}

std::optional<Session> SessionRepository::find(std::string_view secret, std::int64_t now) {
  if (secret.empty() || secret.size() > kMaxSecretBytes) return std::nullopt;
  const std::string hash = core::sha256_hex(secret);
  // Looked up by the hash of a 190-bit random secret: timing reveals nothing useful.
  auto stmt = db_.prepare(
      "SELECT u.id, u.name, u.role, u.created_at, s.csrf_token, s.created_at, s.expires_at, s.last_seen "
      "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?");
  stmt.bind(1, hash).bind(2, now);
  if (!stmt.step()) return std::nullopt;
  Session session{User{stmt.column_int(0), stmt.column_text(1), parse_role(stmt.column_text(2)).value_or(Role::artist),
                       stmt.column_int(3)},
                  stmt.column_text(4), stmt.column_int(5), stmt.column_int(6), stmt.column_int(7)};
  if (session.last_seen < now - 60) {
    const bool noted = touch_.attempt(
        now, [&] { db_.prepare("UPDATE sessions SET last_seen = ? WHERE id_hash = ?").bind_all(now, hash).run(); });
    if (noted) session.last_seen = now;
  }
  return session;
}

bool SessionRepository::remove(std::string_view secret) {
  if (secret.empty() || secret.size() > kMaxSecretBytes) return false;
  return db_.prepare("DELETE FROM sessions WHERE id_hash = ?").bind_all(core::sha256_hex(secret)).run() > 0;
}

int SessionRepository::remove_expired(std::int64_t now) {
  return static_cast<int>(db_.prepare("DELETE FROM sessions WHERE expires_at <= ?").bind_all(now).run());
}

}  // namespace tidecast::catalog

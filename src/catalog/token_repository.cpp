#include "catalog/token_repository.hpp"

#include <fmt/format.h>

#include <chrono>

#include "catalog/channel_repository.hpp"
#include "core/crypto.hpp"

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns = "id, name, created_at, last_used_at, user_id";
constexpr std::string_view kPrefix = "tct_";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A user's token is stored as "<user id>/<name>" so names are unique per user
// ('/' is not allowed in names, so these never meet command-line names).
std::string stored_name(std::string_view name, std::optional<std::int64_t> user_id) {
  return user_id ? fmt::format("{}/{}", *user_id, name) : std::string(name);
}

ApiToken read_token(const Statement& row) {
  ApiToken token{row.column_int(0), row.column_text(1), row.column_int(2), std::nullopt, std::nullopt};
  if (!row.column_is_null(3)) token.last_used_at = row.column_int(3);
  token.user_id = row.column_optional_int(4);
  if (token.user_id) token.name = token.name.substr(token.name.find('/') + 1);
  return token;
}

}  // namespace

bool is_valid_token_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.'))) return false;
  }
  return true;
}

CreatedToken TokenRepository::create(std::string_view name, std::optional<std::int64_t> user_id) {
  if (!is_valid_token_name(name)) {
    throw InvalidInput(fmt::format("token name \"{}\" is invalid: use 1-64 letters, digits, '.', '-' or '_'", name));
  }
  const std::string stored = stored_name(name, user_id);
  auto existing = db_.prepare("SELECT 1 FROM api_tokens WHERE name = ?");
  existing.bind(1, stored);
  if (existing.step()) throw Conflict(fmt::format("a token named \"{}\" already exists", name));
  std::string secret = std::string(kPrefix) + core::random_token(24);
  auto insert = db_.prepare("INSERT INTO api_tokens (name, token_hash, created_at, user_id) VALUES (?, ?, ?, ?)");
  insert.bind_all(stored, core::sha256_hex(secret), unix_now());
  if (user_id) {
    insert.bind(4, *user_id);
  } else {
    insert.bind(4, std::nullopt);
  }
  insert.run();
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM api_tokens WHERE name = ?", kColumns));
  stmt.bind(1, stored);
  stmt.step();
  return CreatedToken{read_token(stmt), std::move(secret)};
}

std::vector<ApiToken> TokenRepository::list() {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM api_tokens WHERE user_id IS NULL ORDER BY name", kColumns));
  std::vector<ApiToken> out;
  while (stmt.step()) out.push_back(read_token(stmt));
  return out;
}

std::vector<ApiToken> TokenRepository::list_for_user(std::int64_t user_id) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM api_tokens WHERE user_id = ? ORDER BY name", kColumns));
  stmt.bind(1, user_id);
  std::vector<ApiToken> out;
  while (stmt.step()) out.push_back(read_token(stmt));
  return out;
}

bool TokenRepository::revoke_id(std::int64_t id, std::optional<std::int64_t> user_id) {
  if (user_id)
    return db_.prepare("DELETE FROM api_tokens WHERE id = ? AND user_id = ?").bind_all(id, *user_id).run() > 0;
  return db_.prepare("DELETE FROM api_tokens WHERE id = ?").bind_all(id).run() > 0;
}

bool TokenRepository::revoke(std::string_view name) {
  return db_.prepare("DELETE FROM api_tokens WHERE name = ? AND user_id IS NULL").bind_all(name).run() > 0;
}

std::optional<ApiToken> TokenRepository::verify(std::string_view secret) {
  if (secret.empty() || secret.size() > 256) return std::nullopt;
  // Looked up by hash of a 190-bit random secret: timing reveals nothing useful.
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM api_tokens WHERE token_hash = ?", kColumns));
  stmt.bind(1, core::sha256_hex(secret));
  if (!stmt.step()) return std::nullopt;
  ApiToken token = read_token(stmt);
  const std::int64_t now = unix_now();
  if (!token.last_used_at || *token.last_used_at < now - 60) {
    const bool noted = touch_.attempt(
        now, [&] { db_.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").bind_all(now, token.id).run(); });
    if (noted) token.last_used_at = now;
  }
  return token;
}

}  // namespace tidecast::catalog

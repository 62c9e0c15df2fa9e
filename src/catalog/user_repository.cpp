#include "catalog/user_repository.hpp"

#include <fmt/format.h>

#include "catalog/channel_repository.hpp"
#include "core/clock.hpp"

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns = "id, name, role, created_at";

User read_user(const Statement& row) {
  return User{row.column_int(0), row.column_text(1), parse_role(row.column_text(2)).value_or(Role::artist),
              row.column_int(3)};
}

}  // namespace

std::string_view to_string(Role role) {
  return role == Role::admin ? "admin" : "artist";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::admin;
  if (text == "artist") return Role::artist;
  return std::nullopt;
}

bool is_valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.'))) return false;
  }
  return true;
}

User UserRepository::create(std::string_view name, std::string_view password_hash, Role role) {
  if (!is_valid_user_name(name)) {
    throw InvalidInput(fmt::format("user name \"{}\" is invalid: use 1-64 letters, digits, '.', '-' or '_'", name));
  }
  if (find_by_name(name)) throw Conflict(fmt::format("a user named \"{}\" already exists", name));
  db_.prepare("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)")
      .bind_all(name, password_hash, to_string(role), core::unix_now_ms() / 1000)
      .run();
  return *find_by_name(name);
}

std::optional<User> UserRepository::find(std::int64_t id) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM users WHERE id = ?", kColumns));
  stmt.bind(1, id);
  if (!stmt.step()) return std::nullopt;
  return read_user(stmt);
}

std::optional<User> UserRepository::find_by_name(std::string_view name) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM users WHERE lower(name) = lower(?)", kColumns));
  stmt.bind(1, name);
  if (!stmt.step()) return std::nullopt;
  return read_user(stmt);
}

std::optional<std::pair<User, std::string>> UserRepository::credentials(std::string_view name) {
  auto stmt = db_.prepare(fmt::format("SELECT {}, password_hash FROM users WHERE lower(name) = lower(?)", kColumns));
  stmt.bind(1, name);
  if (!stmt.step()) return std::nullopt;
  return std::pair{read_user(stmt), stmt.column_text(4)};
}

std::vector<User> UserRepository::list() {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM users ORDER BY lower(name)", kColumns));
  std::vector<User> out;
  while (stmt.step()) out.push_back(read_user(stmt));
  return out;
}

bool UserRepository::remove(std::string_view name) {
  return db_.prepare("DELETE FROM users WHERE lower(name) = lower(?)").bind_all(name).run() > 0;
}

bool UserRepository::set_password_hash(std::string_view name, std::string_view password_hash) {
  const auto user = find_by_name(name);
  if (!user) return false;
  Transaction tx(db_);
  db_.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind_all(password_hash, user->id).run();
  db_.prepare("DELETE FROM sessions WHERE user_id = ?").bind_all(user->id).run();
  tx.commit();
  return true;
}

std::int64_t UserRepository::count() {
  auto stmt = db_.prepare("SELECT COUNT(*) FROM users");
  stmt.step();
  return stmt.column_int(0);
}

}  // namespace tidecast::catalog

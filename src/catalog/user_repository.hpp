#pragma once
// Accounts: a unique name, an Argon2id password hash (core/password.hpp) and a
// role. Admins manage everything; artists manage their own channels, videos
// and API tokens. Deleting a user hands their channels and videos to the
// admins (owner NULL) and ends their sessions and tokens.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

enum class Role { admin, artist };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

struct User {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::artist;
  std::int64_t created_at = 0;  // unix seconds
};

// 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit.
bool is_valid_user_name(std::string_view name);

class UserRepository {
 public:
  explicit UserRepository(Database& db) : db_(db) {}

  // Throws InvalidInput for a bad name, Conflict when the name is taken (names
  // compare case-insensitively).
  User create(std::string_view name, std::string_view password_hash, Role role);
  std::optional<User> find(std::int64_t id);
  std::optional<User> find_by_name(std::string_view name);
  // The stored hash, for login; nullopt for an unknown name.
  std::optional<std::pair<User, std::string>> credentials(std::string_view name);
  std::vector<User> list();
  // False when no user has that name.
  bool remove(std::string_view name);
  // New password hash; the user's sessions end. False when no user has that name.
  bool set_password_hash(std::string_view name, std::string_view password_hash);
  std::int64_t count();

 private:
  Database& db_;
};

}  // namespace tidecast::catalog

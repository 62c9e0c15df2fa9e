#pragma once
// API tokens for scripts and uploads, sent as `Authorization: Bearer <token>`.
// Command-line tokens (`tidecast token add`, no user) act with admin rights;
// tokens a signed-in user creates over the API act as that user. Only a
// SHA-256 hash of each token is stored; the token itself is shown once.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/bookkeeping_write.hpp"
#include "catalog/database.hpp"

namespace tidecast::catalog {

struct ApiToken {
  std::int64_t id = 0;
  std::string name;
  std::int64_t created_at = 0;               // unix seconds
  std::optional<std::int64_t> last_used_at;  // unix seconds, updated at most once a minute
  std::optional<std::int64_t> user_id;       // nullopt: a command-line token (admin rights)
};

struct CreatedToken {
  ApiToken token;
  std::string secret;  // plaintext, shown once and never stored
};

// 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit.
bool is_valid_token_name(std::string_view name);

class TokenRepository {
 public:
  explicit TokenRepository(Database& db) : db_(db) {}

  // Throws InvalidInput for a bad name, Conflict when the name is taken (names
  // are unique among command-line tokens, and per user among user tokens).
  CreatedToken create(std::string_view name, std::optional<std::int64_t> user_id = std::nullopt);
  // Command-line tokens only (user tokens are listed per user).
  std::vector<ApiToken> list();
  std::vector<ApiToken> list_for_user(std::int64_t user_id);
  // A command-line token by name; false when there is none.
  bool revoke(std::string_view name);
  // Revokes by id, only when the token belongs to `user_id` (nullopt: any
  // token). False when there was no such token.
  bool revoke_id(std::int64_t id, std::optional<std::int64_t> user_id);
  // The token a secret belongs to, if any.
  std::optional<ApiToken> verify(std::string_view secret);

 private:
  Database& db_;
  BookkeepingWrite touch_;  // last-used times: best effort
};

}  // namespace tidecast::catalog

#include "catalog/channel_repository.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/crypto.hpp"

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns = "id, name, title, created_at";

Channel read_channel(const Statement& row) {
  return Channel{row.column_int(0), row.column_text(1), row.column_text(2), row.column_int(3)};
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string hash_key(std::string_view key) { return core::sha256_hex(key); }

}  // namespace

bool is_valid_channel_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

CreatedChannel ChannelRepository::create(std::string_view name, std::string_view title) {
  if (!is_valid_channel_name(name)) {
    throw InvalidInput(fmt::format("channel name \"{}\" is invalid: use 1-64 lowercase letters, digits, '-' or '_'", name));
  }
  if (title.size() > 200) throw InvalidInput("channel title is longer than 200 characters");
  if (find_by_name(name)) throw Conflict(fmt::format("channel \"{}\" already exists", name));
  std::string key = core::random_token(24);
  db_.prepare("INSERT INTO channels (name, title, stream_key_hash, created_at) VALUES (?, ?, ?, ?)")
      .bind_all(name, title.empty() ? name : title, hash_key(key), unix_now())
      .run();
  auto channel = find_by_name(name);
  return CreatedChannel{std::move(*channel), std::move(key)};
}

std::vector<Channel> ChannelRepository::list() {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM channels ORDER BY name", kColumns));
  std::vector<Channel> out;
  while (stmt.step()) out.push_back(read_channel(stmt));
  return out;
}

std::optional<Channel> ChannelRepository::find_by_name(std::string_view name) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM channels WHERE name = ?", kColumns));
  stmt.bind(1, name);
  if (!stmt.step()) return std::nullopt;
  return read_channel(stmt);
}

std::optional<Channel> ChannelRepository::find_by_stream_key(std::string_view stream_key) {
  // Looked up by hash: the index compares hashes of a 190-bit random key, so
  // timing reveals nothing useful about the key itself.
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM channels WHERE stream_key_hash = ?", kColumns));
  stmt.bind(1, hash_key(stream_key));
  if (!stmt.step()) return std::nullopt;
  return read_channel(stmt);
}

std::optional<std::string> ChannelRepository::regenerate_key(std::string_view name) {
  std::string key = core::random_token(24);
  db_.prepare("UPDATE channels SET stream_key_hash = ? WHERE name = ?").bind_all(hash_key(key), name).run();
  if (db_.changes() == 0) return std::nullopt;
  return key;
}

bool ChannelRepository::set_ladder(std::string_view name, std::optional<std::string_view> ladder_json) {
  auto stmt = db_.prepare("UPDATE channels SET ladder = ? WHERE name = ?");
  if (ladder_json) {
    stmt.bind(1, *ladder_json);
  } else {
    stmt.bind(1, std::nullopt);
  }
  stmt.bind(2, name);
  stmt.run();
  return db_.changes() > 0;
}

std::optional<std::string> ChannelRepository::ladder(std::int64_t channel_id) {
  auto stmt = db_.prepare("SELECT ladder FROM channels WHERE id = ?");
  stmt.bind(1, channel_id);
  if (!stmt.step() || stmt.column_is_null(0)) return std::nullopt;
  return stmt.column_text(0);
}

}  // namespace tidecast::catalog

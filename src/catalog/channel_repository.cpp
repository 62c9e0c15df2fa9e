#include "catalog/channel_repository.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/crypto.hpp"

namespace tidecast::catalog {

namespace {

constexpr std::string_view kSelect =
    "SELECT c.id, c.name, c.title, c.created_at, c.owner_id, u.name, c.visibility, c.description, c.avatar, "
    "c.next_stream FROM channels c "
    "LEFT JOIN users u ON u.id = c.owner_id";

Channel read_channel(const Statement& row) {
  Channel channel;
  channel.id = row.column_int(0);
  channel.name = row.column_text(1);
  channel.title = row.column_text(2);
  channel.created_at = row.column_int(3);
  channel.owner_id = row.column_optional_int(4);
  if (!row.column_is_null(5)) channel.owner_name = row.column_text(5);
  channel.visibility = row.column_text(6);
  channel.description = row.column_text(7);
  if (!row.column_is_null(8)) channel.avatar = row.column_text(8);
  channel.next_stream = row.column_text(9);
  return channel;
}

void check_title(std::string_view title) {
  if (title.size() > 200) throw InvalidInput("channel title is longer than 200 characters");
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string hash_key(std::string_view key) {
  return core::sha256_hex(key);
}

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

CreatedChannel ChannelRepository::create(std::string_view name, std::string_view title,
                                         std::optional<std::int64_t> owner_id) {
  if (!is_valid_channel_name(name)) {
    throw InvalidInput(
        fmt::format("channel name \"{}\" is invalid: use 1-64 lowercase letters, digits, '-' or '_'", name));
  }
  check_title(title);
  if (find_by_name(name)) throw Conflict(fmt::format("channel \"{}\" already exists", name));
  std::string key = core::random_token(24);
  auto insert =
      db_.prepare("INSERT INTO channels (name, title, stream_key_hash, created_at, owner_id) VALUES (?, ?, ?, ?, ?)");
  insert.bind_all(name, title.empty() ? name : title, hash_key(key), unix_now());
  if (owner_id) {
    insert.bind(5, *owner_id);
  } else {
    insert.bind(5, std::nullopt);
  }
  insert.run();
  auto channel = find_by_name(name);
  return CreatedChannel{std::move(*channel), std::move(key)};
}

std::vector<Channel> ChannelRepository::list() {
  auto stmt = db_.prepare(fmt::format("{} ORDER BY c.name", kSelect));
  std::vector<Channel> out;
  while (stmt.step()) out.push_back(read_channel(stmt));
  return out;
}

std::vector<Channel> ChannelRepository::list_owned(std::int64_t owner_id) {
  auto stmt = db_.prepare(fmt::format("{} WHERE c.owner_id = ? ORDER BY c.name", kSelect));
  stmt.bind(1, owner_id);
  std::vector<Channel> out;
  while (stmt.step()) out.push_back(read_channel(stmt));
  return out;
}

std::optional<Channel> ChannelRepository::find_by_name(std::string_view name) {
  auto stmt = db_.prepare(fmt::format("{} WHERE c.name = ?", kSelect));
  stmt.bind(1, name);
  if (!stmt.step()) return std::nullopt;
  return read_channel(stmt);
}

std::optional<Channel> ChannelRepository::find_by_stream_key(std::string_view stream_key) {
  // Looked up by hash: the index compares hashes of a 190-bit random key, so
  // timing reveals nothing useful about the key itself.
  auto stmt = db_.prepare(fmt::format("{} WHERE c.stream_key_hash = ?", kSelect));
  stmt.bind(1, hash_key(stream_key));
  if (!stmt.step()) return std::nullopt;
  return read_channel(stmt);
}

std::optional<std::string> ChannelRepository::regenerate_key(std::string_view name) {
  std::string key = core::random_token(24);
  auto update = db_.prepare("UPDATE channels SET stream_key_hash = ? WHERE name = ?");
  if (update.bind_all(hash_key(key), name).run() == 0) return std::nullopt;
  return key;
}

bool ChannelRepository::set_title(std::string_view name, std::string_view title) {
  check_title(title);
  return db_.prepare("UPDATE channels SET title = ? WHERE name = ?")
             .bind_all(title.empty() ? name : title, name)
             .run() > 0;
}

bool ChannelRepository::set_visibility(std::string_view name, std::string_view visibility) {
  if (visibility != "public" && visibility != "private") {
    throw InvalidInput("channel visibility must be \"public\" or \"private\"");
  }
  return db_.prepare("UPDATE channels SET visibility = ? WHERE name = ?").bind_all(visibility, name).run() > 0;
}

bool ChannelRepository::set_profile(std::string_view name, const ChannelProfile& profile) {
  check_title(profile.title);
  if (profile.description.size() > 2000) throw InvalidInput("channel description is longer than 2000 characters");
  if (profile.next_stream.size() > 200) throw InvalidInput("next-stream text is longer than 200 characters");
  return db_.prepare("UPDATE channels SET title = ?, description = ?, next_stream = ? WHERE name = ?")
             .bind_all(profile.title.empty() ? name : std::string_view(profile.title), profile.description,
                       profile.next_stream, name)
             .run() > 0;
}

std::optional<std::string> ChannelRepository::set_avatar(std::string_view name, std::optional<std::string_view> file,
                                                         bool& found) {
  auto current = find_by_name(name);
  found = current.has_value();
  if (!current) return std::nullopt;
  auto stmt = db_.prepare("UPDATE channels SET avatar = ? WHERE name = ?");
  if (file) {
    stmt.bind(1, *file);
  } else {
    stmt.bind(1, std::nullopt);
  }
  stmt.bind(2, name);
  stmt.run();
  return current->avatar;
}

bool ChannelRepository::remove(std::string_view name) {
  return db_.prepare("DELETE FROM channels WHERE name = ?").bind_all(name).run() > 0;
}

bool ChannelRepository::set_ladder(std::string_view name, std::optional<std::string_view> ladder_json) {
  auto stmt = db_.prepare("UPDATE channels SET ladder = ? WHERE name = ?");
  if (ladder_json) {
    stmt.bind(1, *ladder_json);
  } else {
    stmt.bind(1, std::nullopt);
  }
  stmt.bind(2, name);
  return stmt.run() > 0;
}

std::optional<std::string> ChannelRepository::ladder(std::int64_t channel_id) {
  auto stmt = db_.prepare("SELECT ladder FROM channels WHERE id = ?");
  stmt.bind(1, channel_id);
  if (!stmt.step() || stmt.column_is_null(0)) return std::nullopt;
  return stmt.column_text(0);
}

}  // namespace tidecast::catalog

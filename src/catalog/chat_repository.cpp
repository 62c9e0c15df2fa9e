#include "catalog/chat_repository.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns =
    "id, channel_id, video_id, user_id, author, guest, address, body, created_at, stream_ms, nonce, deleted";

// A ban with its author's name resolved (see ChatBanRow).
constexpr std::string_view kBanSelect =
    "SELECT b.id, b.user_id, b.address, b.until_ms, COALESCE(u.name, (SELECT m.author FROM chat_messages m "
    "WHERE m.channel_id = b.channel_id AND m.created_at <= b.created_at AND ((b.user_id IS NOT NULL AND "
    "m.user_id = b.user_id) OR (b.user_id IS NULL AND m.address = b.address)) ORDER BY m.id DESC LIMIT 1), '') "
    "FROM chat_bans b LEFT JOIN users u ON u.id = b.user_id WHERE b.channel_id = ?";

ChatBanRow read_ban(const Statement& row) {
  return {.user_id = row.column_optional_int(1),
          .address = row.column_text(2),
          .until_ms = row.column_int(3),
          .id = row.column_int(0),
          .author = row.column_text(4)};
}

ChatRow read_row(const Statement& row) {
  ChatRow out;
  out.id = row.column_int(0);
  out.channel_id = row.column_int(1);
  if (!row.column_is_null(2)) out.video_id = row.column_text(2);
  out.user_id = row.column_optional_int(3);
  out.author = row.column_text(4);
  out.guest = row.column_int(5) != 0;
  out.address = row.column_text(6);
  out.text = row.column_text(7);
  out.created_ms = row.column_int(8);
  out.stream_ms = row.column_optional_int(9);
  out.nonce = row.column_text(10);
  out.deleted = row.column_int(11) != 0;
  return out;
}

std::optional<std::string_view> as_view(const std::optional<std::string>& text) {
  return text ? std::optional<std::string_view>(*text) : std::nullopt;
}

}  // namespace

std::int64_t ChatRepository::add(const ChatRow& row) {
  auto stmt = db_.prepare(
      "INSERT INTO chat_messages (channel_id, video_id, user_id, author, guest, address, body, created_at, stream_ms, "
      "nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  stmt.bind_all(row.channel_id, as_view(row.video_id), row.user_id, std::string_view(row.author),
                std::int64_t{row.guest ? 1 : 0}, std::string_view(row.address), std::string_view(row.text),
                row.created_ms, row.stream_ms, std::string_view(row.nonce));
  if (!stmt.step()) throw DatabaseError(Fault::none, "chat: insert returned no id");
  return stmt.column_int(0);
}

bool ChatRepository::remove(std::int64_t channel_id, std::int64_t id) {
  return db_.prepare("UPDATE chat_messages SET deleted = 1 WHERE id = ? AND channel_id = ?")
             .bind_all(id, channel_id)
             .run() > 0;
}

std::optional<ChatRow> ChatRepository::find(std::int64_t channel_id, std::int64_t id) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM chat_messages WHERE id = ? AND channel_id = ?", kColumns));
  stmt.bind_all(id, channel_id);
  if (!stmt.step()) return std::nullopt;
  return read_row(stmt);
}

std::vector<ChatRow> ChatRepository::recent(std::int64_t channel_id, std::size_t limit) {
  auto stmt = db_.prepare(fmt::format(
      "SELECT {} FROM chat_messages WHERE channel_id = ? AND deleted = 0 ORDER BY id DESC LIMIT ?", kColumns));
  stmt.bind_all(channel_id, static_cast<std::int64_t>(limit));
  std::vector<ChatRow> out;
  while (stmt.step()) out.push_back(read_row(stmt));
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<ChatRow> ChatRepository::for_video(std::string_view video_id) {
  auto stmt = db_.prepare(
      fmt::format("SELECT {} FROM chat_messages WHERE video_id = ? AND deleted = 0 AND stream_ms IS NOT NULL "
                  "ORDER BY stream_ms, id",
                  kColumns));
  stmt.bind_all(video_id);
  std::vector<ChatRow> out;
  while (stmt.step()) out.push_back(read_row(stmt));
  return out;
}

ChatSettingsRow ChatRepository::settings(std::int64_t channel_id) {
  auto stmt = db_.prepare("SELECT slow_seconds, links, guests FROM chat_settings WHERE channel_id = ?");
  stmt.bind_all(channel_id);
  if (!stmt.step()) return {};
  return {.slow_seconds = stmt.column_int(0), .links = stmt.column_int(1) != 0, .guests = stmt.column_int(2) != 0};
}

void ChatRepository::save_settings(std::int64_t channel_id, const ChatSettingsRow& settings) {
  db_.prepare(
         "INSERT INTO chat_settings (channel_id, slow_seconds, links, guests) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (channel_id) DO UPDATE SET slow_seconds = excluded.slow_seconds, links = excluded.links, "
         "guests = excluded.guests")
      .bind_all(channel_id, settings.slow_seconds, std::int64_t{settings.links ? 1 : 0},
                std::int64_t{settings.guests ? 1 : 0})
      .run();
}

std::vector<ChatBanRow> ChatRepository::bans(std::int64_t channel_id, std::int64_t now_ms) {
  db_.prepare("DELETE FROM chat_bans WHERE channel_id = ? AND until_ms <> 0 AND until_ms <= ?")
      .bind_all(channel_id, now_ms)
      .run();
  auto stmt = db_.prepare(fmt::format("{} ORDER BY b.id", kBanSelect));
  stmt.bind_all(channel_id);
  std::vector<ChatBanRow> out;
  while (stmt.step()) out.push_back(read_ban(stmt));
  return out;
}

void ChatRepository::add_ban(std::int64_t channel_id, const ChatBanRow& ban, std::int64_t now_ms) {
  db_.prepare("INSERT INTO chat_bans (channel_id, user_id, address, until_ms, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind_all(channel_id, ban.user_id, std::string_view(ban.address), ban.until_ms, now_ms)
      .run();
}

void ChatRepository::lift_bans(std::int64_t channel_id, const std::optional<std::int64_t>& user_id,
                               std::string_view address) {
  if (user_id) {
    db_.prepare("DELETE FROM chat_bans WHERE channel_id = ? AND user_id = ?").bind_all(channel_id, *user_id).run();
  }
  if (!address.empty()) {
    db_.prepare("DELETE FROM chat_bans WHERE channel_id = ? AND address = ?").bind_all(channel_id, address).run();
  }
}

std::optional<ChatBanRow> ChatRepository::lift_ban(std::int64_t channel_id, std::int64_t ban_id) {
  std::optional<ChatBanRow> ban;
  {
    auto stmt = db_.prepare(fmt::format("{} AND b.id = ?", kBanSelect));
    stmt.bind_all(channel_id, ban_id);
    if (stmt.step()) ban = read_ban(stmt);
  }
  if (ban) db_.prepare("DELETE FROM chat_bans WHERE channel_id = ? AND id = ?").bind_all(channel_id, ban_id).run();
  return ban;
}

}  // namespace tidecast::catalog

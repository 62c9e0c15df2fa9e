#pragma once
// Live chat in the catalog: messages (author, text, wall time, the recording
// and time in the stream they belong to, a deleted flag), bans and timeouts
// per channel, and each channel's chat settings. The chat module reaches it
// through chat::ChatStore (adapted by the composition root).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct ChatRow {
  std::int64_t id = 0;
  std::int64_t channel_id = 0;
  std::optional<std::string> video_id = {};  // the recording live at the time
  std::optional<std::int64_t> user_id = {};  // nullopt: a guest (or a deleted account)
  std::string author = {};
  bool guest = false;
  std::string address = {};
  std::string text = {};
  std::int64_t created_ms = 0;                 // unix ms
  std::optional<std::int64_t> stream_ms = {};  // position in the recording
  std::string nonce = {};
  bool deleted = false;
};

struct ChatBanRow {
  std::optional<std::int64_t> user_id = {};
  std::string address = {};
  std::int64_t until_ms = 0;  // 0: until lifted
  // Read back only (add_ban ignores them). chat_bans keeps no name: the
  // author is the user's name for a user ban, else the author of the last
  // message from that address in the channel before the ban ("" if none).
  std::int64_t id = 0;
  std::string author = {};
};

struct ChatSettingsRow {
  std::int64_t slow_seconds = 0;
  bool links = true;
  bool guests = false;
};

class ChatRepository {
 public:
  explicit ChatRepository(Database& db) : db_(db) {}

  // Stores `row` (its id is ignored); returns the new id.
  std::int64_t add(const ChatRow& row);
  // Marks a message of the channel deleted; false when there is none.
  bool remove(std::int64_t channel_id, std::int64_t id);
  std::optional<ChatRow> find(std::int64_t channel_id, std::int64_t id);
  // The newest `limit` messages not deleted, oldest first.
  std::vector<ChatRow> recent(std::int64_t channel_id, std::size_t limit);
  // A recording's messages not deleted, by time in the stream.
  std::vector<ChatRow> for_video(std::string_view video_id);

  ChatSettingsRow settings(std::int64_t channel_id);
  void save_settings(std::int64_t channel_id, const ChatSettingsRow& settings);

  // Bans in force at now_ms (expired timeouts are removed).
  std::vector<ChatBanRow> bans(std::int64_t channel_id, std::int64_t now_ms);
  void add_ban(std::int64_t channel_id, const ChatBanRow& ban, std::int64_t now_ms);
  // Lifts every ban of the channel on that user or that address.
  void lift_bans(std::int64_t channel_id, const std::optional<std::int64_t>& user_id, std::string_view address);
  // Lifts one ban of the channel; returns it, or nullopt when there is no such ban.
  std::optional<ChatBanRow> lift_ban(std::int64_t channel_id, std::int64_t ban_id);

 private:
  Database& db_;
};

}  // namespace tidecast::catalog

#pragma once
// The chat's wire protocol: one JSON object per WebSocket text message.
//
// Client → server ("type"):
//   post     {"text", "nick"? (guests), "nonce"? (client's id, echoed; a
//             repeated nonce is not stored twice)}
//   delete   {"id"}                         moderators
//   ban      {"id", "seconds"? (0/absent: until lifted), "by"? "user"|"address"}
//            bans the author of message "id"; with seconds, a timeout
//   unban    {"id"}                         lifts the bans on that author
//            {"ban"}                        lifts that one ban (an id from "bans")
//   bans     {}                             the channel's bans and timeouts (moderators)
//   settings {"slow_seconds"?, "links"?, "guests"?}
// Server → client: hello, message, deleted, room, error, and to a moderator
// who asked, bans (serialize_* below).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chat/text.hpp"

namespace tidecast::chat {

struct PostCommand {
  std::string text = {};  // checked: trimmed, printable, at most kMaxMessageChars
  std::string nick = {};  // empty, or a valid nickname
  std::string nonce = {};
};
struct DeleteCommand {
  std::int64_t id = 0;
};
struct BanCommand {
  std::int64_t id = 0;
  std::int64_t seconds = 0;  // 0: until lifted
  bool by_address = false;
};
struct UnbanCommand {
  std::int64_t id = 0;      // a message: lifts every ban on its author
  std::int64_t ban_id = 0;  // or one ban by its id (id is then 0)
};
struct BansCommand {};
struct SettingsCommand {
  std::optional<std::int64_t> slow_seconds = {};
  std::optional<bool> links = {};
  std::optional<bool> guests = {};
};
using Command = std::variant<PostCommand, DeleteCommand, BanCommand, UnbanCommand, SettingsCommand, BansCommand>;

struct ProtocolError {
  std::string code = {};  // bad_json, bad_type, bad_text, too_long, bad_nick, bad_field
  std::string message = {};
};

// Never throws: any malformed frame is a ProtocolError.
std::variant<Command, ProtocolError> parse_command(std::string_view frame, std::size_t max_chars = kMaxMessageChars);

inline constexpr std::int64_t kMaxSlowSeconds = 3600;
inline constexpr std::int64_t kMaxBanSeconds = 365LL * 24 * 3600;
inline constexpr std::size_t kMaxNonceBytes = 64;

// A stored message as the room and its viewers see it.
struct ChatMessage {
  std::int64_t id = 0;
  std::string author = {};  // user name, or the guest's nickname
  bool guest = false;
  std::string text = {};
  std::int64_t at_ms = 0;                      // wall clock, unix ms
  std::optional<std::int64_t> stream_ms = {};  // position in the live presentation (its recording), if live
  std::string nonce = {};
  // Who wrote it, for bans (never sent to viewers).
  std::optional<std::int64_t> user_id = {};
  std::string address = {};
};

struct RoomSettings {
  std::int64_t slow_seconds = 0;  // 0: off
  bool links = true;              // links allowed
  bool guests = false;            // anonymous viewers may post with a nickname
};

nlohmann::json message_json(const ChatMessage& message);
nlohmann::json settings_json(const RoomSettings& settings, std::size_t viewers);
std::string serialize_message(const ChatMessage& message);
std::string serialize_deleted(const std::vector<std::int64_t>& ids);
std::string serialize_room(const RoomSettings& settings, std::size_t viewers);
// A ban as a moderator's ban list shows it.
struct BanEntry {
  std::int64_t id = 0;
  std::string author = {};  // the name the banned author had in chat ("" when unknown)
  bool by_address = false;
  std::int64_t until_ms = 0;  // 0: a ban until lifted; else a timeout
};
std::string serialize_bans(const std::vector<BanEntry>& bans);
std::string serialize_error(std::string_view code, std::string_view message, std::int64_t retry_after_ms = 0,
                            std::string_view nonce = {});

}  // namespace tidecast::chat

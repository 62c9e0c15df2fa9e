#pragma once
// What the chat needs from outside: where messages, bans and settings are
// kept (the catalog, adapted by the composition root) and where the channel's
// live presentation is (for each message's time in the stream).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chat/moderation.hpp"
#include "chat/protocol.hpp"

namespace tidecast::chat {

class ChatStore {
 public:
  virtual ~ChatStore() = default;
  // Stores a message (id 0) with its recording; returns it with its id.
  virtual ChatMessage add(std::int64_t channel_id, ChatMessage message, const std::optional<std::string>& video_id) = 0;
  // Marks a message deleted; false when there is no such message in the channel.
  virtual bool remove(std::int64_t channel_id, std::int64_t id) = 0;
  virtual std::optional<ChatMessage> find(std::int64_t channel_id, std::int64_t id) = 0;
  // The newest `limit` messages not deleted, oldest first.
  virtual std::vector<ChatMessage> recent(std::int64_t channel_id, std::size_t limit) = 0;
  // A recording's messages not deleted, by time in the stream.
  virtual std::vector<ChatMessage> replay(const std::string& video_id) = 0;
  virtual RoomSettings settings(std::int64_t channel_id) = 0;
  virtual void save_settings(std::int64_t channel_id, const RoomSettings& settings) = 0;
  // Bans still in force at now_ms, with their ids and the authors' names.
  virtual std::vector<Ban> bans(std::int64_t channel_id, std::int64_t now_ms) = 0;
  virtual void add_ban(std::int64_t channel_id, const Ban& ban) = 0;
  virtual void lift_bans(std::int64_t channel_id, const std::optional<std::int64_t>& user_id,
                         const std::string& address) = 0;
  // Lifts one ban of the channel by its id; returns it, or nullopt when there is none.
  virtual std::optional<Ban> lift_ban(std::int64_t channel_id, std::int64_t ban_id) = 0;
};

struct StreamPosition {
  std::string video_id = {};  // the presentation's recording
  std::int64_t offset_ms = 0;
};

class StreamClock {
 public:
  virtual ~StreamClock() = default;
  // Where the channel's live presentation is now; nullopt when it is not live here.
  virtual std::optional<StreamPosition> position(const std::string& channel) = 0;
};

}  // namespace tidecast::chat

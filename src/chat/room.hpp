#pragma once
// One channel's chat room, on the one node that hosts it (chat/locator.hpp):
// its members, recent history, moderation state and viewer count. Messages
// are serialized once into a shared immutable Frame and handed to every
// member (Beast chat-multi's shape: copy the member list under the lock,
// deliver outside it). Members queue frames on their own strand and are
// never waited for. Thread-safe.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/moderation.hpp"
#include "chat/outbound_queue.hpp"
#include "chat/protocol.hpp"

namespace tidecast::chat {

class Member {
 public:
  virtual ~Member() = default;
  // Any thread; must not block (the member queues it on its own strand).
  virtual void deliver(Frame frame) = 0;
  // Any thread: the room moved to another node; the member closes (1012) so its client reconnects there.
  virtual void evict() {}
};

struct PostCheck {
  Verdict verdict = {};
  bool duplicate = false;  // this poster already sent this nonce: not stored again
};

class Room {
 public:
  Room(std::string channel, std::int64_t channel_id, Moderation moderation, std::vector<ChatMessage> history,
       std::size_t history_limit = 50);

  const std::string& channel() const { return channel_; }
  std::int64_t channel_id() const { return channel_id_; }

  // Adds a member; returns the hello frame for it (`you` describes the member).
  Frame join(const std::shared_ptr<Member>& member, const nlohmann::json& you);
  void leave(const Member* member);
  std::size_t viewers() const;

  // Moderation and de-duplication of a post; an accepted one is counted.
  PostCheck check_post(const Poster& poster, std::string_view text, std::string_view nonce, std::int64_t now_ms);
  // A stored message: into the history and out to every member.
  void publish(ChatMessage message);
  // Removes messages from the history and tells every member; the ids actually shown are returned.
  void retract(const std::vector<std::int64_t>& ids);
  // A message of the recent history (for moderation by message id).
  std::optional<ChatMessage> recent(std::int64_t id) const;

  // Runs `change` on the moderation state under the room's lock.
  void moderate(const std::function<void(Moderation&)>& change);
  RoomSettings settings() const;
  // The room state frame when the viewers or settings changed since the last call, else null.
  Frame take_state_change();
  void broadcast(const Frame& frame);
  // Asks every member to go (Member::evict).
  void evict_all();

 private:
  std::shared_ptr<const std::vector<std::shared_ptr<Member>>> members_snapshot();

  const std::string channel_;
  const std::int64_t channel_id_;
  const std::size_t history_limit_;
  mutable std::mutex mutex_;
  Moderation moderation_;
  std::deque<ChatMessage> history_;
  std::unordered_map<const Member*, std::shared_ptr<Member>> members_;
  // Rebuilt on the first broadcast after a join or leave, so a join storm does not copy the list per join.
  std::shared_ptr<const std::vector<std::shared_ptr<Member>>> snapshot_;
  std::deque<std::string> recent_nonces_;  // "<poster>\n<nonce>" of recent accepted posts
  bool state_changed_ = true;
};

}  // namespace tidecast::chat

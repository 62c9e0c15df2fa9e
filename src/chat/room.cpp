#include "chat/room.hpp"

#include <algorithm>

namespace tidecast::chat {

namespace {
constexpr std::size_t kRecentNonces = 512;

Frame make_frame(std::string bytes) {
  return std::make_shared<const std::string>(std::move(bytes));
}

std::string poster_key(const Poster& poster) {
  return poster.user_id ? "u:" + std::to_string(*poster.user_id) : "a:" + poster.address;
}
}  // namespace

Room::Room(std::string channel, std::int64_t channel_id, Moderation moderation, std::vector<ChatMessage> history,
           std::size_t history_limit)
    : channel_(std::move(channel)),
      channel_id_(channel_id),
      history_limit_(history_limit),
      moderation_(std::move(moderation)) {
  for (auto& message : history) history_.push_back(std::move(message));
  while (history_.size() > history_limit_) history_.pop_front();
}

Frame Room::join(const std::shared_ptr<Member>& member, const nlohmann::json& you) {
  std::lock_guard lock(mutex_);
  members_[member.get()] = member;
  snapshot_.reset();
  state_changed_ = true;
  nlohmann::json hello{{"type", "hello"}, {"you", you}};
  hello["room"] = settings_json(moderation_.settings(), members_.size());
  auto& history = hello["history"] = nlohmann::json::array();
  for (const ChatMessage& message : history_) history.push_back(message_json(message));
  return make_frame(hello.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Room::leave(const Member* member) {
  std::lock_guard lock(mutex_);
  if (members_.erase(member) > 0) {
    snapshot_.reset();
    state_changed_ = true;
  }
}

std::size_t Room::viewers() const {
  std::lock_guard lock(mutex_);
  return members_.size();
}

PostCheck Room::check_post(const Poster& poster, std::string_view text, std::string_view nonce, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::string key;
  if (!nonce.empty()) {
    key = poster_key(poster) + "\n" + std::string(nonce);
    if (std::find(recent_nonces_.begin(), recent_nonces_.end(), key) != recent_nonces_.end()) {
      return {.verdict = {}, .duplicate = true};
    }
  }
  PostCheck check{.verdict = moderation_.check_post(poster, text, now_ms)};
  if (check.verdict.ok() && !key.empty()) {
    recent_nonces_.push_back(std::move(key));
    if (recent_nonces_.size() > kRecentNonces) recent_nonces_.pop_front();
  }
  return check;
}

void Room::publish(ChatMessage message) {
  const Frame frame = make_frame(serialize_message(message));
  {
    std::lock_guard lock(mutex_);
    history_.push_back(std::move(message));
    while (history_.size() > history_limit_) history_.pop_front();
  }
  broadcast(frame);
}

void Room::retract(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(history_, [&](const ChatMessage& m) { return std::find(ids.begin(), ids.end(), m.id) != ids.end(); });
  }
  broadcast(make_frame(serialize_deleted(ids)));
}

std::optional<ChatMessage> Room::recent(std::int64_t id) const {
  std::lock_guard lock(mutex_);
  for (const ChatMessage& message : history_) {
    if (message.id == id) return message;
  }
  return std::nullopt;
}

void Room::moderate(const std::function<void(Moderation&)>& change) {
  std::lock_guard lock(mutex_);
  const RoomSettings before = moderation_.settings();
  change(moderation_);
  const RoomSettings& after = moderation_.settings();
  if (before.slow_seconds != after.slow_seconds || before.links != after.links || before.guests != after.guests) {
    state_changed_ = true;
  }
}

RoomSettings Room::settings() const {
  std::lock_guard lock(mutex_);
  return moderation_.settings();
}

Frame Room::take_state_change() {
  std::lock_guard lock(mutex_);
  if (!state_changed_) return nullptr;
  state_changed_ = false;
  return make_frame(serialize_room(moderation_.settings(), members_.size()));
}

std::shared_ptr<const std::vector<std::shared_ptr<Member>>> Room::members_snapshot() {
  std::lock_guard lock(mutex_);
  if (!snapshot_) {
    auto list = std::make_shared<std::vector<std::shared_ptr<Member>>>();
    list->reserve(members_.size());
    for (const auto& [key, member] : members_) list->push_back(member);
    snapshot_ = std::move(list);
  }
  return snapshot_;
}

void Room::broadcast(const Frame& frame) {
  // The snapshot is immutable: delivering outside the lock needs no copy of the list.
  const auto snapshot = members_snapshot();
  for (const auto& member : *snapshot) member->deliver(frame);
}

void Room::evict_all() {
  const auto snapshot = members_snapshot();
  for (const auto& member : *snapshot) member->evict();
}

}  // namespace tidecast::chat

#include "chat/service.hpp"

#include <boost/asio/post.hpp>

#include "core/clock.hpp"
#include "core/thread_name.hpp"

namespace tidecast::chat {

namespace net = boost::asio;

void tell(Member& member, std::string bytes) {
  member.deliver(std::make_shared<const std::string>(std::move(bytes)));
}

namespace {
std::string notice(std::string_view text) {
  return nlohmann::json{{"type", "notice"}, {"text", text}}.dump(-1, ' ', false,
                                                                 nlohmann::json::error_handler_t::replace);
}
}  // namespace

ChatService::ChatService(net::io_context& ioc, core::Logger& log, ChatStore& store, StreamClock& clock,
                         ChatLimits limits)
    : ioc_(ioc), log_(log), store_(store), clock_(clock), limits_(limits), ticker_(ioc) {
  core::name_pool_threads(writer_, 1, "tc-chat-store");
}

ChatService::~ChatService() {
  stop();
  ticker_.cancel();  // the loop no longer runs here: no tick races this
}

void ChatService::start() {
  tick();
}

void ChatService::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  // The ticker is not cancelled here: stop() may run while the loop runs a
  // tick, and a timer is not thread-safe. The next tick sees stopped_ and does
  // not re-arm, so the loop runs out of work within a second.
  writer_.join();  // what was accepted gets stored
}

void ChatService::tick() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    std::vector<std::shared_ptr<Room>> open;
    for (const auto& [name, room] : rooms_) {
      if (auto frame = room->take_state_change()) room->broadcast(frame);
      open.push_back(room);
    }
    // Every 3 s, off the I/O threads (the answer may need the catalog).
    if (here_ && ++ticks_ % 3 == 0 && !open.empty()) {
      net::post(writer_, [this, open = std::move(open)]() mutable { check_placement(std::move(open)); });
    }
  }
  ticker_.expires_after(std::chrono::seconds(1));
  ticker_.async_wait([this](boost::system::error_code ec) {
    if (!ec) tick();
  });
}

std::pair<std::shared_ptr<Room>, Frame> ChatService::join(const ChannelRef& channel,
                                                          const std::shared_ptr<Member>& member,
                                                          const Participant& who) {
  // Open-or-find and join under one lock: a room closing as its last member
  // leaves can never leave a second room object for the same channel.
  std::lock_guard lock(mutex_);
  auto& room = rooms_[channel.name];
  if (!room) {
    const std::int64_t now = core::unix_now_ms();
    Moderation moderation(store_.settings(channel.id), limits_.rate);
    for (Ban& ban : store_.bans(channel.id, now)) moderation.add_ban(std::move(ban));
    room = std::make_shared<Room>(channel.name, channel.id, std::move(moderation),
                                  store_.recent(channel.id, limits_.history), limits_.history);
  }
  nlohmann::json you{{"name", who.name}, {"signed_in", !who.name.empty()}, {"moderator", who.moderator}};
  Frame hello = room->join(member, you);
  return {room, std::move(hello)};
}

void ChatService::leave(const std::shared_ptr<Room>& room, const Member* member) {
  std::lock_guard lock(mutex_);
  room->leave(member);
  if (room->viewers() == 0) {
    const auto it = rooms_.find(room->channel());
    if (it != rooms_.end() && it->second == room) rooms_.erase(it);
  }
}

std::size_t ChatService::rooms() const {
  std::lock_guard lock(mutex_);
  return rooms_.size();
}

std::size_t ChatService::viewers(const std::string& channel) const {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(channel);
  return it == rooms_.end() ? 0 : it->second->viewers();
}

void ChatService::handle(const std::shared_ptr<Room>& room, const std::shared_ptr<Member>& member,
                         const Participant& who, Command command) {
  if (auto* p = std::get_if<PostCommand>(&command)) return post(room, member, who, std::move(*p));
  if (!who.moderator) {
    ++counters_.refused;
    return tell(*member, serialize_error("forbidden", "only the channel's owner and admins moderate"));
  }
  moderate(room, member, who, command);
}

void ChatService::post(const std::shared_ptr<Room>& room, const std::shared_ptr<Member>& member, const Participant& who,
                       PostCommand post) {
  ChatMessage message;
  if (!who.name.empty()) {  // a user, or a command-line token (admin, no account)
    message.author = who.name;
  } else if (!room->settings().guests) {
    ++counters_.refused;
    return tell(*member, serialize_error("sign_in", "sign in to chat here", 0, post.nonce));
  } else if (post.nick.empty()) {
    ++counters_.refused;
    return tell(*member, serialize_error("nick_required", "choose a nickname to chat as a guest", 0, post.nonce));
  } else {
    message.author = post.nick;
    message.guest = true;
  }
  const std::int64_t now = core::unix_now_ms();
  const Poster poster{.user_id = who.user_id, .address = who.address, .moderator = who.moderator};
  const PostCheck check = room->check_post(poster, post.text, post.nonce, now);
  if (check.duplicate) {
    return tell(*member, serialize_error("duplicate", "this message was already sent", 0, post.nonce));
  }
  if (!check.verdict.ok()) {
    ++counters_.refused;
    return tell(*member, serialize_error(refusal_code(check.verdict.refusal), refusal_text(check.verdict.refusal),
                                         check.verdict.retry_after_ms, post.nonce));
  }
  message.text = std::move(post.text);
  message.at_ms = now;
  message.nonce = std::move(post.nonce);
  message.user_id = who.user_id;
  message.address = who.address;
  write(member, [this, room, message = std::move(message)]() mutable {
    std::optional<std::string> video;
    if (auto position = clock_.position(room->channel())) {
      video = position->video_id;
      message.stream_ms = position->offset_ms;
    }
    room->publish(store_.add(room->channel_id(), std::move(message), video));
    ++counters_.posted;
  });
}

void ChatService::moderate(const std::shared_ptr<Room>& room, const std::shared_ptr<Member>& member,
                           const Participant& who, const Command& command) {
  const std::int64_t channel_id = room->channel_id();
  if (const auto* settings = std::get_if<SettingsCommand>(&command)) {
    RoomSettings next = room->settings();
    if (settings->slow_seconds) next.slow_seconds = *settings->slow_seconds;
    if (settings->links) next.links = *settings->links;
    if (settings->guests) next.guests = *settings->guests;
    room->moderate([&](Moderation& m) { m.set_settings(next); });
    log_.info("chat", "settings channel={} by={} slow_seconds={} links={} guests={}", room->channel(), who.name,
              next.slow_seconds, next.links, next.guests);
    return write(member, [this, channel_id, next] { store_.save_settings(channel_id, next); });
  }
  if (const auto* del = std::get_if<DeleteCommand>(&command)) {
    const std::int64_t id = del->id;
    return write(member, [this, room, member, channel_id, id, by = who.name] {
      if (!store_.remove(channel_id, id)) return tell(*member, serialize_error("not_found", "no such message"));
      log_.info("chat", "deleted channel={} message={} by={}", room->channel(), id, by);
      room->retract({id});
    });
  }
  if (std::holds_alternative<BansCommand>(command)) {
    return write(member, [this, member, channel_id] { send_bans(*member, channel_id); });
  }
  if (const auto* unban = std::get_if<UnbanCommand>(&command); unban && unban->ban_id != 0) {
    return write(member, [this, room, member, channel_id, ban_id = unban->ban_id, by = who.name] {
      const std::optional<Ban> lifted = store_.lift_ban(channel_id, ban_id);
      if (!lifted) return tell(*member, serialize_error("not_found", "no such ban"));
      room->moderate([&](Moderation& m) { m.lift_one(*lifted); });
      log_.info("chat", "unbanned channel={} ban={} author={} by={}", room->channel(), ban_id, lifted->author, by);
      tell(*member, notice(lifted->author.empty() ? "Lifted the ban." : "Lifted the ban on " + lifted->author + "."));
      send_bans(*member, channel_id);  // the list the moderator is looking at, without the lifted ban
    });
  }
  // ban / unban name a message; its author is the target.
  const std::int64_t id = std::holds_alternative<BanCommand>(command) ? std::get<BanCommand>(command).id
                                                                      : std::get<UnbanCommand>(command).id;
  write(member, [this, room, member, channel_id, id, command, who] {
    std::optional<ChatMessage> target = room->recent(id);
    if (!target) target = store_.find(channel_id, id);
    if (!target) return tell(*member, serialize_error("not_found", "no such message"));
    if (target->user_id && who.user_id && *target->user_id == *who.user_id) {
      return tell(*member, serialize_error("bad_target", "you cannot ban yourself"));
    }
    if (const auto* unban = std::get_if<UnbanCommand>(&command)) {
      (void)unban;
      store_.lift_bans(channel_id, target->user_id, target->address);
      room->moderate([&](Moderation& m) { m.lift(target->user_id, target->address); });
      log_.info("chat", "unbanned channel={} author={} by={}", room->channel(), target->author, who.name);
      return tell(*member, notice("Lifted the bans on " + target->author + "."));
    }
    const auto& ban_command = std::get<BanCommand>(command);
    Ban ban;
    // Guests have no account: their address is what identifies them.
    if (ban_command.by_address || !target->user_id) {
      ban.address = target->address;
    } else {
      ban.user_id = target->user_id;
    }
    if (ban_command.seconds > 0) ban.until_ms = core::unix_now_ms() + ban_command.seconds * 1000;
    store_.add_ban(channel_id, ban);
    room->moderate([&](Moderation& m) { m.add_ban(ban); });
    log_.info("chat", "ban channel={} author={} seconds={} by_address={} by={}", room->channel(), target->author,
              ban_command.seconds, ban.user_id ? false : true, who.name);
    tell(*member, notice(ban_command.seconds > 0
                             ? target->author + " is timed out for " + std::to_string(ban_command.seconds) + " s."
                             : target->author + " is banned."));
  });
}

void ChatService::send_bans(Member& member, std::int64_t channel_id) {
  std::vector<BanEntry> entries;
  for (Ban& ban : store_.bans(channel_id, core::unix_now_ms())) {
    entries.push_back(
        {.id = ban.id, .author = std::move(ban.author), .by_address = !ban.user_id, .until_ms = ban.until_ms});
  }
  tell(member, serialize_bans(entries));
}

void ChatService::check_placement(std::vector<std::shared_ptr<Room>> rooms) {
  for (const auto& room : rooms) {
    try {
      if (here_(room->channel())) continue;
    } catch (const std::exception&) {
      continue;  // the catalog is unavailable: keep the room rather than scatter its members
    }
    log_.info("chat", "room moved channel={} members={}", room->channel(), room->viewers());
    room->evict_all();
  }
}

void ChatService::write(std::shared_ptr<Member> member, std::function<void()> work) {
  net::post(writer_, [this, member = std::move(member), work = std::move(work)] {
    try {
      work();
    } catch (const std::exception& e) {
      if (const auto held = refusal_log_.allow("store")) {
        log_.warn("chat", "store failed error=\"{}\" suppressed={}", e.what(), *held);
      }
      tell(*member, serialize_error("unavailable", "the chat cannot store messages right now, try again"));
    }
  });
}

}  // namespace tidecast::chat

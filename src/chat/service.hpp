#pragma once
// The chat rooms hosted on this node: opens a channel's room when its first
// member joins (history, bans and settings from the store) and closes it when
// the last one leaves; applies each member's commands (post, moderation).
// Store writes run on one writer thread of their own, in order, so no I/O
// thread waits for the catalog; a stored message then goes out to the room.
// Room state (viewers, settings) is sent at most once a second.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chat/loop_inbox.hpp"
#include "chat/room.hpp"
#include "chat/store.hpp"
#include "chat/text.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"

namespace tidecast::chat {

struct ChannelRef {
  std::int64_t id = 0;
  std::string name = {};
  std::optional<std::int64_t> owner_id = {};  // nullopt: admin-owned
};

// A member as the room sees them, fixed when the connection opens.
struct Participant {
  std::optional<std::int64_t> user_id = {};  // nullopt: a guest (or a command-line token)
  std::string name = {};                     // user name ("token:<name>" for a command-line token); empty for guests
  bool moderator = false;                    // the channel's owner or an admin
  std::string address = {};                  // the client's address
};

struct ChatLimits {
  RateLimits rate = {};            // per poster
  std::size_t history = 50;        // messages a joining member gets
  std::size_t queue_frames = 256;  // per member; a member whose queue is full is dropped
  std::size_t queue_bytes = 512 * 1024;
  unsigned frames_per_second = 10;  // per connection, anything it sends; over the burst it is closed
  unsigned frame_burst = 30;
  // Bigger messages close the connection (1009). Room for 500 characters
  // even when every one is JSON-escaped (an emoji as \ud83d\ude00: 12 bytes).
  std::size_t max_frame_bytes = 8192;
  std::size_t max_message_chars = kMaxMessageChars;
  unsigned idle_seconds = 60;         // pings keep a quiet but live client
  unsigned write_stall_seconds = 30;  // a write stuck longer drops the member
};

struct ChatCounters {
  std::atomic<std::uint64_t> posted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> dropped_slow{0};  // members dropped for a full queue
  std::atomic<std::uint64_t> closed_abuse{0};  // connections closed for floods or bad frames
};

class ChatService {
 public:
  ChatService(boost::asio::io_context& ioc, core::Logger& log, ChatStore& store, StreamClock& clock,
              ChatLimits limits = {});
  ~ChatService();

  void start();
  // Finishes the store writes already queued; the ticker stops at its next
  // tick (within a second), so the loop can run out of work.
  void stop();

  // Joins the channel's room (opened if needed); returns it and the hello frame.
  std::pair<std::shared_ptr<Room>, Frame> join(const ChannelRef& channel, const std::shared_ptr<Member>& member,
                                               const Participant& who);
  void leave(const std::shared_ptr<Room>& room, const Member* member);
  // Applies one command from `who`; answers only that member go to `member`.
  void handle(const std::shared_ptr<Room>& room, const std::shared_ptr<Member>& member, const Participant& who,
              Command command);

  // Cluster: whether a channel's room still belongs on this node (asked every
  // few seconds on the writer thread); a room that moved evicts its members.
  void set_placement(std::function<bool(const std::string& channel)> here) { here_ = std::move(here); }

  ChatStore& store() { return store_; }
  const ChatLimits& limits() const { return limits_; }
  // Batched delivery to the connections of each event loop (loop_inbox.hpp).
  LoopInboxes& inboxes() { return inboxes_; }
  ChatCounters& counters() { return counters_; }
  core::Logger& log() { return log_; }
  core::LogThrottle& refusal_log() { return refusal_log_; }
  std::size_t rooms() const;
  // Members of the channel's room on this node (0 when it is not open here).
  std::size_t viewers(const std::string& channel) const;

 private:
  void post(const std::shared_ptr<Room>& room, const std::shared_ptr<Member>& member, const Participant& who,
            PostCommand post);
  void moderate(const std::shared_ptr<Room>& room, const std::shared_ptr<Member>& member, const Participant& who,
                const Command& command);
  // The channel's bans to one moderator (on the writer thread: reads the store).
  void send_bans(Member& member, std::int64_t channel_id);
  // Runs `work` on the writer thread; a failure answers the member with `unavailable`.
  void write(std::shared_ptr<Member> member, std::function<void()> work);
  void tick();
  void check_placement(std::vector<std::shared_ptr<Room>> rooms);

  boost::asio::io_context& ioc_;
  core::Logger& log_;
  ChatStore& store_;
  StreamClock& clock_;
  ChatLimits limits_;
  LoopInboxes inboxes_;
  ChatCounters counters_;
  core::LogThrottle refusal_log_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Room>, std::less<>> rooms_;
  boost::asio::thread_pool writer_{1};
  boost::asio::steady_timer ticker_;
  bool stopped_ = false;
  std::function<bool(const std::string& channel)> here_;
  unsigned ticks_ = 0;
};

// Sends one frame to one member.
void tell(Member& member, std::string bytes);

}  // namespace tidecast::chat

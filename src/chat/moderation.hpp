#pragma once
// A room's moderation rules as plain state with explicit time, so they are
// unit-tested without sockets or clocks: bans and timeouts (by user or by
// address), a rate limit per poster (a token bucket: `burst` messages, one
// more every `refill_ms`), slow mode (one message per poster per
// slow_seconds) and links off. Moderators are exempt from slow mode and the
// link rule, not from the rate limit. Not thread-safe: the room's lock guards it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chat/protocol.hpp"

namespace tidecast::chat {

// Who posts: a signed-in user (user_id) or a guest, always with their address.
struct Poster {
  std::optional<std::int64_t> user_id = {};
  std::string address = {};
  bool moderator = false;
};

// A ban matches a poster with that user id, or from that address.
struct Ban {
  std::optional<std::int64_t> user_id = {};
  std::string address = {};   // empty: by user only
  std::int64_t until_ms = 0;  // 0: until lifted; else a timeout ending then (unix ms)
  // For a moderator's ban list (from the store): its id, and the name the author had in chat.
  std::int64_t id = 0;
  std::string author = {};
};

enum class Refusal { none, banned, timed_out, rate_limited, slow_mode, links };
const char* refusal_code(Refusal refusal);
const char* refusal_text(Refusal refusal);

struct Verdict {
  Refusal refusal = Refusal::none;
  std::int64_t retry_after_ms = 0;  // timeouts, rate limit, slow mode
  bool ok() const { return refusal == Refusal::none; }
};

struct RateLimits {
  unsigned burst = 5;
  std::int64_t refill_ms = 2000;
};

class Moderation {
 public:
  explicit Moderation(RoomSettings settings = {}, RateLimits limits = {}) : settings_(settings), limits_(limits) {}

  // Whether `poster` may post `text` at `now_ms`; an accepted post is counted.
  Verdict check_post(const Poster& poster, std::string_view text, std::int64_t now_ms);
  // The ban matching the poster at now_ms, if any (expired timeouts are dropped).
  std::optional<Ban> ban_of(const Poster& poster, std::int64_t now_ms);

  void add_ban(Ban ban);
  // Lifts every ban on that user or that address.
  void lift(const std::optional<std::int64_t>& user_id, std::string_view address);
  // Lifts one ban: the first with the same user, address and end.
  void lift_one(const Ban& ban);
  const std::vector<Ban>& bans() const { return bans_; }

  const RoomSettings& settings() const { return settings_; }
  void set_settings(const RoomSettings& settings) { settings_ = settings; }

 private:
  struct Budget {
    double tokens = 0;
    std::int64_t refilled_ms = 0;
    std::int64_t last_post_ms = 0;
    bool posted = false;  // last_post_ms is meaningful
  };
  static std::string key_of(const Poster& poster);
  void prune(std::int64_t now_ms);

  RoomSettings settings_;
  RateLimits limits_;
  std::vector<Ban> bans_;
  std::unordered_map<std::string, Budget> budgets_;
};

}  // namespace tidecast::chat

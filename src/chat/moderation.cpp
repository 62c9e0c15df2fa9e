#include "chat/moderation.hpp"

#include <algorithm>

#include "chat/text.hpp"

namespace tidecast::chat {

namespace {
constexpr std::size_t kPruneAt = 10'000;  // posters remembered before idle ones are forgotten

bool matches(const Ban& ban, const std::optional<std::int64_t>& user_id, std::string_view address) {
  if (ban.user_id && user_id && *ban.user_id == *user_id) return true;
  return !ban.address.empty() && ban.address == address;
}
}  // namespace

const char* refusal_code(Refusal refusal) {
  switch (refusal) {
    case Refusal::none:
      return "ok";
    case Refusal::banned:
      return "banned";
    case Refusal::timed_out:
      return "timed_out";
    case Refusal::rate_limited:
      return "rate_limited";
    case Refusal::slow_mode:
      return "slow_mode";
    case Refusal::links:
      return "links_off";
  }
  return "refused";
}

const char* refusal_text(Refusal refusal) {
  switch (refusal) {
    case Refusal::none:
      return "ok";
    case Refusal::banned:
      return "you are banned from this chat";
    case Refusal::timed_out:
      return "you are timed out";
    case Refusal::rate_limited:
      return "too many messages, wait a moment";
    case Refusal::slow_mode:
      return "slow mode is on, wait a moment";
    case Refusal::links:
      return "links are not allowed in this chat";
  }
  return "refused";
}

std::string Moderation::key_of(const Poster& poster) {
  return poster.user_id ? "u:" + std::to_string(*poster.user_id) : "a:" + poster.address;
}

std::optional<Ban> Moderation::ban_of(const Poster& poster, std::int64_t now_ms) {
  std::erase_if(bans_, [&](const Ban& ban) { return ban.until_ms != 0 && ban.until_ms <= now_ms; });
  for (const Ban& ban : bans_) {
    if (matches(ban, poster.user_id, poster.address)) return ban;
  }
  return std::nullopt;
}

Verdict Moderation::check_post(const Poster& poster, std::string_view text, std::int64_t now_ms) {
  if (const auto ban = ban_of(poster, now_ms)) {
    if (ban->until_ms == 0) return {.refusal = Refusal::banned};
    return {.refusal = Refusal::timed_out, .retry_after_ms = ban->until_ms - now_ms};
  }
  if (!poster.moderator && !settings_.links && contains_link(text)) return {.refusal = Refusal::links};

  if (budgets_.size() >= kPruneAt) prune(now_ms);
  const std::string key = key_of(poster);
  auto [it, fresh] = budgets_.try_emplace(key);
  Budget& budget = it->second;
  if (fresh)
    budget = {.tokens = static_cast<double>(limits_.burst), .refilled_ms = now_ms, .last_post_ms = 0, .posted = false};
  if (!poster.moderator && settings_.slow_seconds > 0 && budget.posted) {
    const std::int64_t next = budget.last_post_ms + settings_.slow_seconds * 1000;
    if (now_ms < next) return {.refusal = Refusal::slow_mode, .retry_after_ms = next - now_ms};
  }
  const auto burst = static_cast<double>(limits_.burst);
  budget.tokens = std::min(
      burst, budget.tokens + static_cast<double>(now_ms - budget.refilled_ms) / static_cast<double>(limits_.refill_ms));
  budget.refilled_ms = now_ms;
  if (budget.tokens < 1.0) {
    const auto wait = static_cast<std::int64_t>((1.0 - budget.tokens) * static_cast<double>(limits_.refill_ms)) + 1;
    return {.refusal = Refusal::rate_limited, .retry_after_ms = wait};
  }
  budget.tokens -= 1.0;
  budget.last_post_ms = now_ms;
  budget.posted = true;
  return {};
}

void Moderation::add_ban(Ban ban) {
  bans_.push_back(std::move(ban));
}

void Moderation::lift(const std::optional<std::int64_t>& user_id, std::string_view address) {
  std::erase_if(bans_, [&](const Ban& ban) { return matches(ban, user_id, address); });
}

void Moderation::lift_one(const Ban& ban) {
  const auto it = std::find_if(bans_.begin(), bans_.end(), [&](const Ban& b) {
    return b.user_id == ban.user_id && b.address == ban.address && b.until_ms == ban.until_ms;
  });
  if (it != bans_.end()) bans_.erase(it);
}

void Moderation::prune(std::int64_t now_ms) {
  // A poster whose bucket is full again and whose slow-mode wait is over has no state worth keeping.
  const std::int64_t full_after = static_cast<std::int64_t>(limits_.burst) * limits_.refill_ms;
  const std::int64_t slow = std::max<std::int64_t>(settings_.slow_seconds * 1000, 0);
  std::erase_if(budgets_, [&](const auto& entry) {
    const Budget& b = entry.second;
    return now_ms - b.refilled_ms >= full_after && now_ms - b.last_post_ms >= slow;
  });
}

}  // namespace tidecast::chat

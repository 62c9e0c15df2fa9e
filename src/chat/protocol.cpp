#include "chat/protocol.hpp"

#include "chat/text.hpp"

namespace tidecast::chat {

namespace {

using nlohmann::json;

// Every string was checked on the way in; replace rather than throw if not.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

ProtocolError bad(std::string code, std::string message) {
  return {std::move(code), std::move(message)};
}

// An integer member within [lo, hi]; nullopt when absent. Sets `error` when present but wrong.
std::optional<std::int64_t> int_field(const json& object, const char* name, std::int64_t lo, std::int64_t hi,
                                      std::optional<ProtocolError>& error) {
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < lo || it->get<std::int64_t>() > hi) {
    error = bad("bad_field",
                std::string(name) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

std::optional<bool> bool_field(const json& object, const char* name, std::optional<ProtocolError>& error) {
  const auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_boolean()) {
    error = bad("bad_field", std::string(name) + " must be true or false");
    return std::nullopt;
  }
  return it->get<bool>();
}

std::variant<Command, ProtocolError> parse_post(const json& object, std::size_t max_chars) {
  const auto text = object.find("text");
  if (text == object.end() || !text->is_string()) return bad("bad_text", "text must be a string");
  PostCommand post;
  const TextProblem problem = check_message_text(text->get_ref<const std::string&>(), post.text, max_chars);
  if (problem == TextProblem::too_long) {
    return bad("too_long", "messages are at most " + std::to_string(max_chars) + " characters");
  }
  if (problem != TextProblem::none) return bad("bad_text", describe(problem));
  if (const auto nick = object.find("nick"); nick != object.end() && !nick->is_null()) {
    if (!nick->is_string() || !valid_nickname(nick->get_ref<const std::string&>())) {
      return bad("bad_nick", "a nickname is 1-32 letters, digits, '_', '-' or '.'");
    }
    post.nick = nick->get<std::string>();
  }
  if (const auto nonce = object.find("nonce"); nonce != object.end() && !nonce->is_null()) {
    if (!nonce->is_string() || nonce->get_ref<const std::string&>().size() > kMaxNonceBytes) {
      return bad("bad_field", "nonce must be a string of at most 64 bytes");
    }
    post.nonce = nonce->get<std::string>();
  }
  return Command{std::move(post)};
}

}  // namespace

std::variant<Command, ProtocolError> parse_command(std::string_view frame, std::size_t max_chars) {
  // nlohmann's parser rejects ill-formed UTF-8 in strings; no exceptions.
  json object = json::parse(frame, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return bad("bad_json", "expected one JSON object");
  const auto type = object.find("type");
  if (type == object.end() || !type->is_string()) return bad("bad_type", "type must be a string");
  const std::string& kind = type->get_ref<const std::string&>();
  if (kind == "post") return parse_post(object, max_chars);

  std::optional<ProtocolError> error;
  if (kind == "settings") {
    SettingsCommand settings;
    settings.slow_seconds = int_field(object, "slow_seconds", 0, kMaxSlowSeconds, error);
    settings.links = bool_field(object, "links", error);
    settings.guests = bool_field(object, "guests", error);
    if (error) return *error;
    return Command{settings};
  }
  if (kind == "bans") return Command{BansCommand{}};
  if (kind == "unban" && object.contains("ban")) {
    const auto ban_id = int_field(object, "ban", 1, INT64_MAX, error);
    if (error) return *error;
    if (object.contains("id")) return bad("bad_field", "unban takes a message id or a ban id, not both");
    return Command{UnbanCommand{.id = 0, .ban_id = *ban_id}};
  }
  if (kind != "delete" && kind != "unban" && kind != "ban") return bad("bad_type", "unknown message type");
  const auto id = int_field(object, "id", 1, INT64_MAX, error);
  if (error) return *error;
  if (!id) return bad("bad_field", "id (a message id) is required");
  if (kind == "delete") return Command{DeleteCommand{.id = *id}};
  if (kind == "unban") return Command{UnbanCommand{.id = *id, .ban_id = 0}};
  if (kind == "ban") {
    BanCommand ban{.id = *id};
    ban.seconds = int_field(object, "seconds", 0, kMaxBanSeconds, error).value_or(0);
    if (const auto by = object.find("by"); by != object.end()) {
      if (!by->is_string() || (*by != "user" && *by != "address")) {
        error = bad("bad_field", "by must be \"user\" or \"address\"");
      } else {
        ban.by_address = *by == "address";
      }
    }
    if (error) return *error;
    return Command{ban};
  }
  return bad("bad_type", "unknown message type");
}

nlohmann::json message_json(const ChatMessage& message) {
  json out{{"type", "message"},      {"id", message.id},     {"author", message.author},
           {"guest", message.guest}, {"text", message.text}, {"at", message.at_ms}};
  out["stream_ms"] = message.stream_ms ? json(*message.stream_ms) : json(nullptr);
  if (!message.nonce.empty()) out["nonce"] = message.nonce;
  return out;
}

nlohmann::json settings_json(const RoomSettings& settings, std::size_t viewers) {
  return {{"type", "room"},
          {"viewers", viewers},
          {"slow_seconds", settings.slow_seconds},
          {"links", settings.links},
          {"guests", settings.guests}};
}

std::string serialize_message(const ChatMessage& message) {
  return dump(message_json(message));
}

std::string serialize_deleted(const std::vector<std::int64_t>& ids) {
  return dump(json{{"type", "deleted"}, {"ids", ids}});
}

std::string serialize_room(const RoomSettings& settings, std::size_t viewers) {
  return dump(settings_json(settings, viewers));
}

std::string serialize_bans(const std::vector<BanEntry>& bans) {
  json list = json::array();
  for (const BanEntry& ban : bans) {
    list.push_back({{"id", ban.id},
                    {"author", ban.author},
                    {"kind", ban.until_ms == 0 ? "ban" : "timeout"},
                    {"by", ban.by_address ? "address" : "user"},
                    {"until", ban.until_ms == 0 ? json(nullptr) : json(ban.until_ms)}});
  }
  return dump(json{{"type", "bans"}, {"bans", std::move(list)}});
}

std::string serialize_error(std::string_view code, std::string_view message, std::int64_t retry_after_ms,
                            std::string_view nonce) {
  json out{{"type", "error"}, {"code", code}, {"message", message}};
  if (retry_after_ms > 0) out["retry_after_ms"] = retry_after_ms;
  if (!nonce.empty()) out["nonce"] = nonce;
  return dump(out);
}

}  // namespace tidecast::chat

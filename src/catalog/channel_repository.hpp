#pragma once
// Channels: a public name viewers use in URLs, and a secret stream key that
// only the publisher knows. The key is stored as a SHA-256 hash.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct Channel {
  std::int64_t id = 0;
  std::string name;
  std::string title;
  std::int64_t created_at = 0;            // unix seconds
  std::optional<std::int64_t> owner_id;   // nullopt: admin-owned
  std::optional<std::string> owner_name;  // the owner's user name
  std::string visibility = "public";      // public | private (watched only through signed URLs)
  // The channel page's profile, set by its owner.
  std::string description;
  std::optional<std::string> avatar;  // file name under <data_dir>/avatars; nullopt: none
  std::string next_stream;            // e.g. "Fridays at 8 pm", shown while offline
};

// A channel page's texts; each bounded (InvalidInput beyond).
struct ChannelProfile {
  std::string title;
  std::string description;  // up to 2000 bytes
  std::string next_stream;  // up to 200 bytes
};

struct CreatedChannel {
  Channel channel;
  std::string stream_key;  // plaintext, shown once and never stored
};

// Bad caller input (invalid name, duplicate): safe to show to the user.
class InvalidInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class Conflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Lowercase letters, digits, '-' and '_', 1-64 chars, starting with a letter or digit.
bool is_valid_channel_name(std::string_view name);

class ChannelRepository {
 public:
  explicit ChannelRepository(Database& db) : db_(db) {}

  // Throws InvalidInput for a bad name, Conflict when the name is taken.
  CreatedChannel create(std::string_view name, std::string_view title,
                        std::optional<std::int64_t> owner_id = std::nullopt);
  std::vector<Channel> list();
  std::vector<Channel> list_owned(std::int64_t owner_id);
  std::optional<Channel> find_by_name(std::string_view name);
  std::optional<Channel> find_by_stream_key(std::string_view stream_key);
  // Issues a new key; the old one stops working at once.
  std::optional<std::string> regenerate_key(std::string_view name);
  // Throws InvalidInput for a title over 200 bytes; false when unknown.
  bool set_title(std::string_view name, std::string_view title);
  // Throws InvalidInput unless "public" or "private"; false when unknown.
  bool set_visibility(std::string_view name, std::string_view visibility);
  // Title, description and next-stream text at once. Throws InvalidInput for
  // text over its limit; false when unknown.
  bool set_profile(std::string_view name, const ChannelProfile& profile);
  // The avatar's file name (nullopt: none). Answers the previous one (so the
  // caller can delete its file), or nullopt; false in `found` when unknown.
  std::optional<std::string> set_avatar(std::string_view name, std::optional<std::string_view> file, bool& found);
  // Its recordings stay, without a channel. False when unknown.
  bool remove(std::string_view name);
  // The channel's ladder choice (JSON text, transcode::LadderChoice), or
  // nullopt for the configured ladder. set_ladder returns false when there is
  // no channel of that name; nullopt clears the choice.
  bool set_ladder(std::string_view name, std::optional<std::string_view> ladder_json);
  std::optional<std::string> ladder(std::int64_t channel_id);
  // The channel's latency mode, "normal" or "low", or nullopt for the
  // server's live.latency_mode (channel_latency.cpp). set_latency_mode throws
  // InvalidInput for any other value, returns false when there is no channel
  // of that name; nullopt clears the choice.
  bool set_latency_mode(std::string_view name, std::optional<std::string_view> mode);
  std::optional<std::string> latency_mode(std::int64_t channel_id);

 private:
  Database& db_;
};

}  // namespace tidecast::catalog

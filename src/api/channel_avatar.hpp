#pragma once
// Channel avatars: small images an owner uploads, kept as files under
// <data_dir>/avatars and served at /avatars/<file>. Each upload gets a fresh
// random file name, so its URL names one byte string forever (cached for a
// year) and a new avatar is simply a new URL. Only JPEG, PNG and WebP are
// accepted, recognised by their first bytes (never by a name or a header).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace tidecast::api {

inline constexpr std::size_t kMaxAvatarBytes = 512 * 1024;

enum class ImageType { jpeg, png, webp };

// The image type `bytes` start with, or nullopt when it is none of the three.
std::optional<ImageType> sniff_image(std::string_view bytes);
std::string_view image_extension(ImageType type);  // "jpg", "png", "webp"
std::string_view image_mime(ImageType type);
// A name this server could have made: "<digits>-<letters/digits>.<jpg|png|webp>",
// so no path ("..", "/") can ever reach the file system through it.
bool is_avatar_file_name(std::string_view name);
// "/avatars/<file>"
std::string avatar_url(std::string_view file);

class AvatarStore {
 public:
  explicit AvatarStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Writes a new file for the channel and answers its name; throws
  // std::runtime_error when the file cannot be written.
  std::string save(std::int64_t channel_id, ImageType type, std::string_view bytes) const;
  // The file's bytes, or nullopt (bad name, missing).
  std::optional<std::string> read(std::string_view file) const;
  // Best effort: a leftover file costs only disk.
  void remove(std::string_view file) const;
  // Removes every file but `keep` (the avatars channels name): those of
  // deleted channels and half-written ones. Answers how many went.
  std::size_t sweep(const std::set<std::string, std::less<>>& keep) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace tidecast::api

#include "api/channel_avatar.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "core/crypto.hpp"

namespace tidecast::api {

std::optional<ImageType> sniff_image(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xD8\xFF")) return ImageType::jpeg;
  if (bytes.starts_with(std::string_view("\x89PNG\r\n\x1A\n", 8))) return ImageType::png;
  // RIFF <4-byte size> WEBP
  if (bytes.size() >= 12 && bytes.starts_with("RIFF") && bytes.substr(8, 4) == "WEBP") return ImageType::webp;
  return std::nullopt;
}

std::string_view image_extension(ImageType type) {
  switch (type) {
    case ImageType::jpeg:
      return "jpg";
    case ImageType::png:
      return "png";
    case ImageType::webp:
      return "webp";
  }
  return "bin";
}

std::string_view image_mime(ImageType type) {
  switch (type) {
    case ImageType::jpeg:
      return "image/jpeg";
    case ImageType::png:
      return "image/png";
    case ImageType::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

bool is_avatar_file_name(std::string_view name) {
  if (name.size() > 100) return false;
  const auto dash = name.find('-');
  const auto dot = name.find('.');
  if (dash == std::string_view::npos || dot == std::string_view::npos || dash == 0 || dot <= dash + 1) return false;
  const auto all = [](std::string_view text, auto pred) {
    for (const char c : text) {
      if (!pred(c)) return false;
    }
    return true;
  };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto alnum = [&](char c) { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto ext = name.substr(dot + 1);
  return all(name.substr(0, dash), digit) && all(name.substr(dash + 1, dot - dash - 1), alnum) &&
         (ext == "jpg" || ext == "png" || ext == "webp");
}

std::string avatar_url(std::string_view file) {
  return fmt::format("/avatars/{}", file);
}

std::string AvatarStore::save(std::int64_t channel_id, ImageType type, std::string_view bytes) const {
  std::filesystem::create_directories(dir_);
  const std::string name = fmt::format("{}-{}.{}", channel_id, core::random_token(9), image_extension(type));
  // Written aside and renamed: a reader never sees half a file.
  const auto path = dir_ / name;
  const auto partial = dir_ / (name + ".part");
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw std::runtime_error(fmt::format("avatar {}: write failed", partial.string()));
  }
  std::filesystem::rename(partial, path);
  return name;
}

std::optional<std::string> AvatarStore::read(std::string_view file) const {
  if (!is_avatar_file_name(file)) return std::nullopt;
  std::ifstream in(dir_ / std::string(file), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void AvatarStore::remove(std::string_view file) const {
  if (!is_avatar_file_name(file)) return;
  std::error_code ec;
  std::filesystem::remove(dir_ / std::string(file), ec);
}

std::size_t AvatarStore::sweep(const std::set<std::string, std::less<>>& keep) const {
  std::error_code ec;
  std::size_t removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || keep.contains(name)) continue;
    if (std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace tidecast::api

#include "api/channel_avatar.hpp"

#include <doctest/doctest.h>

#include "support/temp_dir.hpp"

using namespace tidecast::api;

TEST_CASE("avatars: recognised by their first bytes, never by name") {
  CHECK(sniff_image("\xFF\xD8\xFF\xE0rest") == ImageType::jpeg);
  CHECK(sniff_image(std::string_view("\x89PNG\r\n\x1A\n\0\0", 10)) == ImageType::png);
  CHECK(sniff_image(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)) == ImageType::webp);
  CHECK_FALSE(sniff_image("GIF89a"));
  CHECK_FALSE(sniff_image("hello, I am text"));
  CHECK_FALSE(sniff_image(""));
  CHECK_FALSE(sniff_image("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"));
  CHECK_FALSE(sniff_image("RIFF\x10\0\0\0WAVE"));
}

TEST_CASE("avatar file names: only the shape this server makes") {
  CHECK(is_avatar_file_name("12-Ab3x.png"));
  CHECK(is_avatar_file_name("1-z.webp"));
  CHECK(is_avatar_file_name("7-q9.jpg"));
  CHECK_FALSE(is_avatar_file_name("../1-a.png"));
  CHECK_FALSE(is_avatar_file_name("1-a.png/.."));
  CHECK_FALSE(is_avatar_file_name("1-..png"));
  CHECK_FALSE(is_avatar_file_name("1-a.svg"));
  CHECK_FALSE(is_avatar_file_name("a-1.png"));
  CHECK_FALSE(is_avatar_file_name("-a.png"));
  CHECK_FALSE(is_avatar_file_name("1-.png"));
  CHECK_FALSE(is_avatar_file_name("1-a.png.part"));
  CHECK_FALSE(is_avatar_file_name("1-a%2F.png"));
  CHECK_FALSE(is_avatar_file_name(""));
}

TEST_CASE("the avatar store: a fresh name per upload, read back, removed; bad names reach no file") {
  tidecast::test::TempDir dir;
  const AvatarStore store(dir.path() / "avatars");
  const std::string png("\x89PNG\r\n\x1A\n-bytes", 14);
  const auto first = store.save(7, ImageType::png, png);
  const auto second = store.save(7, ImageType::png, png);
  CHECK(first != second);
  CHECK(is_avatar_file_name(first));
  CHECK(first.starts_with("7-"));
  CHECK(first.ends_with(".png"));
  CHECK(store.read(first) == std::optional<std::string>(png));
  CHECK_FALSE(store.read("../" + first));
  store.remove(first);
  CHECK_FALSE(store.read(first));
  CHECK(store.read(second));
}

TEST_CASE("the sweep keeps the named avatars and removes the rest") {
  tidecast::test::TempDir dir;
  const AvatarStore store(dir.path() / "avatars");
  const std::string png("\x89PNG\r\n\x1A\n-bytes", 14);
  const auto kept = store.save(1, ImageType::png, png);
  const auto orphan = store.save(2, ImageType::png, png);
  CHECK(store.sweep({kept}) == 1);
  CHECK(store.read(kept));
  CHECK_FALSE(store.read(orphan));
  CHECK(AvatarStore(dir.path() / "missing").sweep({}) == 0);  // no folder yet: nothing to do
}

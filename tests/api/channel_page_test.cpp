#include "api/channel_page.hpp"

#include <doctest/doctest.h>

#include "api/channel_avatar.hpp"
#include "support/temp_dir.hpp"

using namespace tidecast::api;

namespace {
constexpr std::string_view kPage =
    "<html><head>\n  <title>Channel · Tidecast</title>\n  <!--tidecast:meta-->\n</head><body></body></html>";
}

TEST_CASE("the channel page's head: title and Open Graph tags, escaped") {
  const auto out = render_channel_page(kPage, {.title = "Night <script>alert(\"x\")</script> & 'co'",
                                               .description = "A \"quoted\" <b>description</b>",
                                               .image = "http://h:1/live/a/thumbnail.jpg?x=1&y=\"2\"",
                                               .url = "http://h:1/c/a"});
  CHECK(out.find("<script>") == std::string::npos);
  CHECK(out.find(
            "<title>Night &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39; · Tidecast</title>") !=
        std::string::npos);
  CHECK(out.find("<meta property=\"og:title\" content=\"Night &lt;script&gt;alert(&quot;x&quot;)") !=
        std::string::npos);
  CHECK(
      out.find("<meta property=\"og:description\" content=\"A &quot;quoted&quot; &lt;b&gt;description&lt;/b&gt;\">") !=
      std::string::npos);
  CHECK(out.find("<meta property=\"og:image\" content=\"http://h:1/live/a/thumbnail.jpg?x=1&amp;y=&quot;2&quot;\">") !=
        std::string::npos);
  CHECK(out.find("<meta property=\"og:url\" content=\"http://h:1/c/a\">") != std::string::npos);
  CHECK(out.find("<!--tidecast:meta-->") == std::string::npos);
  CHECK(out.find("Channel · Tidecast") == std::string::npos);
}

TEST_CASE("no image: no og:image tag; no marker: the tags go before </head>") {
  const auto out =
      render_channel_page("<head><title>x</title></head>", {.title = "T", .description = "D", .image = "", .url = ""});
  CHECK(out.find("og:image") == std::string::npos);
  CHECK(out.find("og:url") == std::string::npos);
  CHECK(out.find("<meta property=\"og:title\" content=\"T\">") < out.find("</head>"));
}

TEST_CASE("a long description is cut at a character boundary") {
  CHECK(cut_utf8("short", 10) == "short");
  CHECK(cut_utf8("abcdef", 3) == "abc…");
  // "é" is two bytes: cutting inside it backs off to before it.
  CHECK(cut_utf8("ab\xC3\xA9z", 3) == "ab…");
}

TEST_CASE("the not-found page escapes what it names") {
  const auto out = not_found_page("no channel \"<x>\"");
  CHECK(out.find("&quot;&lt;x&gt;&quot;") != std::string::npos);
  CHECK(out.find("<x>") == std::string::npos);
}

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

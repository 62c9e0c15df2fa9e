#include "api/channel_page.hpp"

#include <doctest/doctest.h>

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

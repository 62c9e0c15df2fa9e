#include "api/channel_page.hpp"

#include <fmt/format.h>

namespace tidecast::api {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string cut_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

std::string render_channel_page(std::string_view page, const PageMeta& meta) {
  const std::string title = html_escape(meta.title);
  const std::string description = html_escape(cut_utf8(meta.description, 300));
  std::string tags = fmt::format(
      "<meta property=\"og:type\" content=\"website\">\n"
      "  <meta property=\"og:site_name\" content=\"Tidecast\">\n"
      "  <meta property=\"og:title\" content=\"{0}\">\n"
      "  <meta property=\"og:description\" content=\"{1}\">\n"
      "  <meta name=\"description\" content=\"{1}\">\n",
      title, description);
  if (!meta.image.empty()) {
    tags += fmt::format("  <meta property=\"og:image\" content=\"{}\">\n", html_escape(meta.image));
  }
  if (!meta.url.empty()) tags += fmt::format("  <meta property=\"og:url\" content=\"{}\">\n", html_escape(meta.url));
  std::string out(page);
  if (const auto open = out.find("<title>"); open != std::string::npos) {
    if (const auto close = out.find("</title>", open); close != std::string::npos) {
      out.replace(open, close + 8 - open, fmt::format("<title>{} · Tidecast</title>", title));
    }
  }
  constexpr std::string_view kMarker = "<!--tidecast:meta-->";
  if (const auto at = out.find(kMarker); at != std::string::npos) {
    out.replace(at, kMarker.size(), tags);
  } else if (const auto head = out.find("</head>"); head != std::string::npos) {
    out.insert(head, tags);
  }
  return out;
}

std::string not_found_page(std::string_view what) {
  return fmt::format(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n"
      "  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "  <meta name=\"color-scheme\" content=\"light dark\">\n"
      "  <title>Not found · Tidecast</title>\n  <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n"
      "  <link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n<body>\n"
      "  <header class=\"site\"><nav aria-label=\"Site\"><a class=\"brand\" href=\"/\">Tidecast</a></nav></header>\n"
      "  <main id=\"main\" class=\"not-found\">\n    <h1>Not found</h1>\n    <p>{}</p>\n"
      "    <p><a href=\"/\">Back to the home page</a></p>\n  </main>\n</body>\n</html>\n",
      html_escape(what));
}

}  // namespace tidecast::api

#pragma once
// The channel page (/c/<channel>): web/public/channel.html with its head
// filled in on the server, so link previews (which run no script) see the
// channel's title, description and picture. Pure text functions; the route
// is in channel_profile_routes.cpp.
#include <string>
#include <string_view>

namespace tidecast::api {

struct PageMeta {
  std::string title;        // plain text
  std::string description;  // plain text; cut to a preview's length here
  std::string image;        // absolute URL, or empty
  std::string url;          // the page's own absolute URL, or empty
};

// &, <, >, " and ' as character references: safe in text and in quoted attributes.
std::string html_escape(std::string_view text);
// At most `max_bytes`, cut at a character boundary, "…" when cut.
std::string cut_utf8(std::string_view text, std::size_t max_bytes);
// `page` with its <title> replaced and the Open Graph tags in place of the
// `<!--tidecast:meta-->` marker (or before </head> when the marker is missing).
std::string render_channel_page(std::string_view page, const PageMeta& meta);
// A small page saying `what` was not found (served with 404).
std::string not_found_page(std::string_view what);

}  // namespace tidecast::api

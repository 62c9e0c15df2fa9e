#pragma once
// Who may show a page of ours inside a frame. Only the embed page
// (/embed.html: just the player) may be framed by any site; every other page
// (sign-in, manage, go-live with its stream key) only by our own origin, so
// another site cannot overlay it and trick clicks (clickjacking).
#include <string_view>

#include "http/message.hpp"

namespace tidecast::http {

inline constexpr std::string_view kEmbedPage = "/embed.html";

// Sets Content-Security-Policy frame-ancestors (and X-Frame-Options for
// older browsers) on the answer for the HTML page at `path`; other files are left alone.
void set_frame_policy(Response& response, std::string_view path);

}  // namespace tidecast::http

#include "http/mime.hpp"

#include <array>
#include <utility>

namespace tidecast::http {

std::string_view mime_type_for(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".vtt", "text/vtt; charset=utf-8"},
      {".m3u8", "application/vnd.apple.mpegurl"},
      {".mpd", "application/dash+xml"},
      {".mp4", "video/mp4"},
      {".m4s", "video/iso.segment"},
      {".m4a", "audio/mp4"},
      {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"},
  }};
  const std::size_t dot = path.rfind('.');
  if (dot != std::string_view::npos && path.find('/', dot) == std::string_view::npos) {
    const std::string_view ext = path.substr(dot);
    for (const auto& [known, type] : kTypes) {
      if (ext == known) return type;
    }
  }
  return "application/octet-stream";
}

}  // namespace tidecast::http

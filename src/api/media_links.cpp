#include "api/media_links.hpp"

#include <system_error>

namespace tidecast::api {

std::string vod_prefix(std::string_view id) {
  return "/vod/" + std::string(id) + "/";
}

std::string MediaLinks::vod_base(const catalog::Video& video, std::int64_t now_unix) const {
  const std::string prefix = vod_prefix(video.id);
  if (video.visibility != "private") return prefix;
  // Rounded up to the minute so URLs handed out within a minute are identical (cache-friendly).
  const std::int64_t expiry = (now_unix + signed_seconds_ + 59) / 60 * 60;
  return signer_.signed_base(prefix, expiry);
}

nlohmann::json MediaLinks::urls(const catalog::Video& video, std::int64_t now_unix) const {
  nlohmann::json out = nlohmann::json::object();
  if (video.state != catalog::VideoState::ready) return out;
  const std::string base = vod_base(video, now_unix);
  out["hls"] = base + "master.m3u8";
  out["dash"] = base + "manifest.mpd";
  const std::filesystem::path dir = videos_dir_ / video.id;
  std::error_code ec;
  for (const auto& [key, file] : {std::pair{"poster", "poster.jpg"}, std::pair{"storyboard", "storyboard.vtt"},
                                  std::pair{"download", "download.mp4"}}) {
    if (std::filesystem::is_regular_file(dir / file, ec)) out[key] = base + file;
  }
  return out;
}

}  // namespace tidecast::api

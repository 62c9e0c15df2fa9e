#include "api/media_links.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

namespace tidecast::api {

std::string vod_prefix(std::string_view id) {
  return "/vod/" + std::string(id) + "/";
}

std::string live_prefix(std::string_view channel) {
  return "/live/" + std::string(channel) + "/";
}

namespace {
// Rounded up to the minute so URLs handed out within a minute are identical (cache-friendly).
std::int64_t expiry_after(std::int64_t now_unix, std::int64_t seconds) {
  return (now_unix + seconds + 59) / 60 * 60;
}
}  // namespace

std::string MediaLinks::live_base(std::string_view channel, bool is_private, std::int64_t now_unix) const {
  const std::string prefix = live_prefix(channel);
  if (!is_private) return prefix;
  return signer_.signed_base(prefix, expiry_after(now_unix, signed_seconds_));
}

std::string MediaLinks::vod_base(const catalog::Video& video, std::int64_t now_unix) const {
  const std::string prefix = vod_prefix(video.id);
  if (video.visibility != "private") return prefix;
  return signer_.signed_base(prefix, expiry_after(now_unix, signed_seconds_));
}

nlohmann::json MediaLinks::urls(const catalog::Video& video, std::int64_t now_unix) const {
  nlohmann::json out = nlohmann::json::object();
  if (video.state != catalog::VideoState::ready) return out;
  const std::string base = vod_base(video, now_unix);
  out["hls"] = base + "master.m3u8";
  out["dash"] = base + "manifest.mpd";
  const std::filesystem::path dir = videos_dir_ / video.id;
  std::error_code ec;
  // The catalog's list when it has one (a cluster node may not hold the files), else this disk.
  const auto listed = [&](std::string_view file) {
    const std::string_view extras = *video.extras;
    for (std::size_t start = 0; start <= extras.size();) {
      const std::size_t comma = std::min(extras.find(',', start), extras.size());
      if (extras.substr(start, comma - start) == file) return true;
      start = comma + 1;
    }
    return false;
  };
  for (const auto& [key, file] : {std::pair{"poster", "poster.jpg"}, std::pair{"storyboard", "storyboard.vtt"},
                                  std::pair{"download", "download.mp4"}}) {
    const bool present = video.extras ? listed(file) : std::filesystem::is_regular_file(dir / file, ec);
    if (present) out[key] = base + file;
  }
  return out;
}

void MediaRefusals::note(std::string_view kind, std::string_view id, std::string_view reason,
                         const std::string& address) {
  refused_.inc();
  // Per address and reason: one expired link open in many players is one
  // line a minute, and each kind of refusal still shows up once.
  const auto allowed = throttle_.allow(fmt::format("{} {}", address, reason));
  if (!allowed) return;
  log_.info("media", "refused {}={} reason={} remote={} refused_since_last_line={}", kind, id, reason, address,
            *allowed);
}

}  // namespace tidecast::api

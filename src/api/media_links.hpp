#pragma once
// The media URLs of a video as the API hands them out: HLS, DASH and, when
// those files exist in its folder, poster, storyboard and download. Private
// videos get signed URLs (core/url_signer.hpp) that expire after a while;
// public and unlisted ones plain URLs.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "catalog/video_repository.hpp"
#include "core/log.hpp"
#include "core/log_throttle.hpp"
#include "core/metrics.hpp"
#include "core/url_signer.hpp"

namespace tidecast::api {

class MediaLinks {
 public:
  MediaLinks(std::filesystem::path videos_dir, const core::UrlSigner& signer, std::int64_t signed_seconds)
      : videos_dir_(std::move(videos_dir)), signer_(signer), signed_seconds_(signed_seconds) {}

  // "/vod/<id>/", or "/vod/<id>/~<expiry>-<sig>/" for a private video.
  std::string vod_base(const catalog::Video& video, std::int64_t now_unix) const;
  // "/live/<name>/", or "/live/<name>/~<expiry>-<sig>/" for a private channel.
  std::string live_base(std::string_view channel, bool is_private, std::int64_t now_unix) const;
  // {"hls","dash","poster"?,"storyboard"?,"download"?}; empty unless the video is ready.
  nlohmann::json urls(const catalog::Video& video, std::int64_t now_unix) const;

  const core::UrlSigner& signer() const { return signer_; }
  const std::filesystem::path& videos_dir() const { return videos_dir_; }

 private:
  std::filesystem::path videos_dir_;
  const core::UrlSigner& signer_;
  std::int64_t signed_seconds_;
};

// Refused media requests (a bad, expired or missing signature): each one is
// counted (tidecast_media_refused_total); the log gets at most one line per
// client address and reason a minute, with how many were refused since its
// last line (an expired link open in N players would otherwise log N lines
// per playlist reload).
class MediaRefusals {
 public:
  MediaRefusals(core::Logger& log, core::Counter& refused) : log_(log), refused_(refused) {}
  void note(std::string_view kind, std::string_view id, std::string_view reason, const std::string& address);

 private:
  core::Logger& log_;
  core::Counter& refused_;
  core::LogThrottle throttle_;
};

// "/vod/<id>/"
std::string vod_prefix(std::string_view id);
// "/live/<channel>/"
std::string live_prefix(std::string_view channel);

}  // namespace tidecast::api

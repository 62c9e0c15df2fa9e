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
#include "core/url_signer.hpp"

namespace tidecast::api {

class MediaLinks {
 public:
  MediaLinks(std::filesystem::path videos_dir, const core::UrlSigner& signer, std::int64_t signed_seconds)
      : videos_dir_(std::move(videos_dir)), signer_(signer), signed_seconds_(signed_seconds) {}

  // "/vod/<id>/", or "/vod/<id>/~<expiry>-<sig>/" for a private video.
  std::string vod_base(const catalog::Video& video, std::int64_t now_unix) const;
  // {"hls","dash","poster"?,"storyboard"?,"download"?}; empty unless the video is ready.
  nlohmann::json urls(const catalog::Video& video, std::int64_t now_unix) const;

  const core::UrlSigner& signer() const { return signer_; }
  const std::filesystem::path& videos_dir() const { return videos_dir_; }

 private:
  std::filesystem::path videos_dir_;
  const core::UrlSigner& signer_;
  std::int64_t signed_seconds_;
};

// "/vod/<id>/"
std::string vod_prefix(std::string_view id);

}  // namespace tidecast::api

#pragma once
// An immutable view of one live presentation, swapped in whole each time a
// segment completes. HTTP handlers read it without locks or copies of media.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "package/presentation.hpp"

namespace tidecast::live {

using SharedBytes = std::shared_ptr<const std::vector<std::uint8_t>>;

struct LiveSnapshot {
  std::string channel;
  package::Presentation presentation;       // the playlist window (HLS)
  package::Presentation dash_presentation;  // the window's periods from their start (DASH)
  std::map<std::string, SharedBytes, std::less<>> files;  // "v0/init-0.mp4", "v0/17.m4s", ...
  std::string master_playlist;  // pre-rendered; empty until the first segment
  std::map<std::string, std::string, std::less<>> media_playlists;  // by track id
  std::uint64_t cached_bytes = 0;
};

}  // namespace tidecast::live

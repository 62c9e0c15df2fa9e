#pragma once
// download.mp4: a progressive MP4 (moov before mdat: "faststart") of tracks
// the conversion already wrote as CMAF. Each track's init segment and media
// segments are read back in order as one fragmented MP4 and remuxed with
// libavformat (movflags=+faststart); nothing is encoded again.
#include <filesystem>
#include <string>
#include <vector>

namespace tidecast::transcode {

struct CmafTrackFiles {
  std::filesystem::path init;                   // init-0.mp4
  std::vector<std::filesystem::path> segments;  // in order
};

// Throws TranscodeError ("transcode output: ...") on failure; `output` is
// removed then.
void write_progressive_mp4(const std::vector<CmafTrackFiles>& tracks, const std::filesystem::path& output);

}  // namespace tidecast::transcode

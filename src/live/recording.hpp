#pragma once
// Writes a live presentation's segments to disk as they complete, so the
// stream is already stored when it ends; at the end writes the static HLS
// playlists and DASH manifest that make it an on-demand video. Disk errors
// are logged once per outage and recording pauses; the live stream keeps
// playing from memory. An outage ends once writes have succeeded for
// kRecoveryQuietPeriod with no failure: on a nearly full disk small writes
// (audio) still succeed between failing big ones (video), which must not read
// as a recovery each time. Segments lost in an outage become gaps in the
// finished video's manifests rather than links to files that do not exist.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <span>
#include <string>

#include "core/log.hpp"
#include "package/presentation.hpp"

namespace tidecast::live {

class Recording {
 public:
  Recording(core::Logger& log, std::filesystem::path directory);

  const std::filesystem::path& directory() const { return directory_; }
  // `relative` like "v0/17.m4s". Returns false if the write failed.
  bool write_file(const std::string& relative, std::span<const std::uint8_t> bytes);
  // Writes master.m3u8, <track>/media.m3u8 and manifest.mpd for `presentation`
  // (every segment, live=false). Returns false on failure.
  bool finalize(const package::Presentation& presentation);
  // Flags the segments whose file, or whose track's init file, failed to
  // write (SegmentEntry::missing); returns how many.
  std::size_t mark_missing(package::Presentation& presentation) const;

  static constexpr std::chrono::seconds kRecoveryQuietPeriod{10};

 private:
  bool write_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

  core::Logger& log_;
  std::filesystem::path directory_;
  std::size_t failures_ = 0;  // failed writes in the current outage
  std::set<std::string> missing_;  // relative paths whose last write failed
  std::chrono::steady_clock::time_point last_failure_{};
};

}  // namespace tidecast::live

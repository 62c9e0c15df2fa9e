#include "live/recording.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "package/dash_manifest.hpp"
#include "package/hls_playlist.hpp"

namespace tidecast::live {

namespace {
std::span<const std::uint8_t> as_bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
}  // namespace

Recording::Recording(core::Logger& log, std::filesystem::path directory)
    : log_(log), directory_(std::move(directory)) {}

bool Recording::write_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  const std::filesystem::path temp = path.string() + ".tmp";
  std::string error;
  if (std::FILE* file = std::fopen(temp.c_str(), "wb")) {
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    if (!written) error = std::strerror(errno);
    if (std::fclose(file) != 0 && error.empty()) error = std::strerror(errno);
  } else {
    error = std::strerror(errno);
  }
  if (error.empty()) {
    std::filesystem::rename(temp, path, ec);
    if (ec) error = ec.message();
  }
  if (!error.empty()) {
    std::filesystem::remove(temp, ec);
    // Logged on the first failure of an outage only; recovery reports how many followed.
    last_failure_ = std::chrono::steady_clock::now();
    if (failures_++ == 0) {
      log_.error("recording", "write failed path={} error=\"{}\" (live playback continues from memory)",
                 path.string(), error);
    }
    return false;
  }
  if (failures_ > 0 && std::chrono::steady_clock::now() - last_failure_ >= kRecoveryQuietPeriod) {
    log_.info("recording", "writes recovered path={} failed_writes={}", path.string(), failures_);
    failures_ = 0;
  }
  return true;
}

bool Recording::write_file(const std::string& relative, std::span<const std::uint8_t> bytes) {
  const bool written = write_atomically(directory_ / relative, bytes);
  if (written) {
    missing_.erase(relative);
  } else {
    missing_.insert(relative);
  }
  return written;
}

std::size_t Recording::mark_missing(package::Presentation& presentation) const {
  std::size_t count = 0;
  for (auto& track : presentation.tracks) {
    for (auto& segment : track.segments) {
      const std::string init = fmt::format("{}/init-{}.mp4", track.id, segment.period);
      segment.missing = missing_.contains(track.id + "/" + segment.file_name()) || missing_.contains(init);
      count += segment.missing ? 1 : 0;
    }
  }
  return count;
}

bool Recording::finalize(const package::Presentation& presentation) {
  bool ok = write_atomically(directory_ / "master.m3u8", as_bytes(package::hls_master_playlist(presentation)));
  for (std::size_t i = 0; i < presentation.tracks.size(); ++i) {
    const std::string playlist = package::hls_media_playlist(presentation, i);
    ok = write_atomically(directory_ / presentation.tracks[i].id / "media.m3u8", as_bytes(playlist)) && ok;
  }
  ok = write_atomically(directory_ / "manifest.mpd", as_bytes(package::dash_manifest(presentation, {}))) && ok;
  return ok;
}

}  // namespace tidecast::live

#pragma once
// Small media files for the VOD tests, made with the ffmpeg CLI (a test dependency).
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace tidecast::test {

// An H.264/AAC MP4 of `seconds` (moov first, so a cut copy is a truncated file).
inline bool make_clip(const std::filesystem::path& path, double seconds, bool audio = true) {
  const std::string audio_input = audio ? "-f lavfi -i sine=frequency=440:sample_rate=48000 -c:a aac" : "";
  const std::string command = fmt::format(
      "ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=320x240:r=25 {} -t {} -c:v libx264 -preset ultrafast "
      "-g 25 -pix_fmt yuv420p -movflags +faststart '{}'",
      audio_input, seconds, path.string());
  return std::system(command.c_str()) == 0 && std::filesystem::exists(path);
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The first `fraction` of a file.
inline void cut_copy(const std::filesystem::path& from, const std::filesystem::path& to, double fraction) {
  std::ifstream in(from, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  data.resize(static_cast<std::size_t>(static_cast<double>(data.size()) * fraction));
  std::ofstream(to, std::ios::binary) << data;
}

}  // namespace tidecast::test

#pragma once
// A file written sequentially from a given offset with plain POSIX calls (one
// write(2) per chunk, no user-space buffering). Errors throw std::system_error
// naming the file; ENOSPC stays recognisable through code().
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace tidecast::vod {

class AppendFile {
 public:
  // Opens (creating when `create`) and cuts the file to `offset` bytes, so
  // bytes a crash left beyond the last recorded offset are dropped.
  AppendFile(const std::filesystem::path& path, std::uint64_t offset, bool create);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  void write(const char* data, std::size_t size);
  // fdatasync: the bytes so far survive a power cut.
  void sync();
  void close();
  std::uint64_t offset() const { return offset_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;
};

}  // namespace tidecast::vod

#include "http/open_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tidecast::http {

std::shared_ptr<const OpenFile> OpenFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return nullptr;
  }
  const auto mtime_ns =
      static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::string etag = fmt::format("\"{:x}-{:x}-{:x}\"", static_cast<std::uint64_t>(st.st_ino), size, mtime_ns);
  return std::shared_ptr<const OpenFile>(new OpenFile(fd, size, std::move(etag)));
}

OpenFile::~OpenFile() {
  ::close(fd_);
}

}  // namespace tidecast::http

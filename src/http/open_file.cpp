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

std::shared_ptr<const OpenFile> OpenFile::of_sealed(std::shared_ptr<const core::SealedBytes> bytes, std::string etag) {
  auto file = std::shared_ptr<OpenFile>(new OpenFile(bytes->fd(), bytes->size(), std::move(etag)));
  file->sealed_ = std::move(bytes);
  return file;
}

OpenFile::~OpenFile() {
  if (!sealed_) ::close(fd_);
}

}  // namespace tidecast::http

#include "core/sealed_bytes.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace tidecast::core {

namespace {

bool write_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    bytes = bytes.subspan(static_cast<std::size_t>(wrote));
  }
  return true;
}

}  // namespace

std::shared_ptr<const SealedBytes> SealedBytes::make(const char* name, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return nullptr;  // mmap refuses a zero length; nothing worth sealing
  const int fd = ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return nullptr;
  // Sealed before it is mapped or shared: no one, this process included, can
  // change or resize the bytes a response is sending.
  constexpr int kSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
  if (!write_all(fd, bytes) || ::fcntl(fd, F_ADD_SEALS, kSeals) != 0) {
    ::close(fd);
    return nullptr;
  }
  void* data = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    ::close(fd);
    return nullptr;
  }
  return std::shared_ptr<const SealedBytes>(new SealedBytes(fd, static_cast<const std::uint8_t*>(data), bytes.size()));
}

SealedBytes::~SealedBytes() {
  ::munmap(const_cast<std::uint8_t*>(data_), size_);
  ::close(fd_);
}

}  // namespace tidecast::core

#pragma once
// Bytes written once into an anonymous memory file (memfd), sealed against any
// change and mapped read-only. The same pages serve two ways: plain HTTP sends
// them with sendfile, as nginx sends a file (no copy through user space per
// viewer), and everything else reads the mapping. Nothing is held twice.
#include <cstdint>
#include <memory>
#include <span>

namespace tidecast::core {

class SealedBytes {
 public:
  // Below this a memfd gains nothing: a small body (audio, a playlist) is
  // cheaper to copy with its head in one write than to send with sendfile.
  static constexpr std::size_t kWorthSealing = 64 * 1024;

  // Null when the kernel refuses (no memfd support, out of descriptors or
  // memory): the caller keeps the bytes in ordinary memory then. `name` shows
  // in /proc/<pid>/fd as "/memfd:<name>".
  static std::shared_ptr<const SealedBytes> make(const char* name, std::span<const std::uint8_t> bytes);
  ~SealedBytes();
  SealedBytes(const SealedBytes&) = delete;
  SealedBytes& operator=(const SealedBytes&) = delete;

  int fd() const { return fd_; }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }

 private:
  SealedBytes(int fd, const std::uint8_t* data, std::size_t size) : fd_(fd), data_(data), size_(size) {}
  int fd_;
  const std::uint8_t* data_;
  std::size_t size_;
};

}  // namespace tidecast::core

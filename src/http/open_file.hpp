#pragma once
// A file opened once for serving: the descriptor, its size and a validator
// from fstat, so a response can answer If-None-Match and Range before a byte
// is read, and the session can send the bytes straight from the page cache
// (sendfile) instead of holding the file in memory.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "core/sealed_bytes.hpp"

namespace tidecast::http {

class OpenFile {
 public:
  // Null when the path is missing, unreadable or not a regular file.
  static std::shared_ptr<const OpenFile> open(const std::filesystem::path& path);
  // Bytes held in a sealed memory file (core/sealed_bytes.hpp), served like a
  // file: sendfile on plain connections, the mapping on TLS ones. `etag` is
  // the caller's validator (quoted).
  static std::shared_ptr<const OpenFile> of_sealed(std::shared_ptr<const core::SealedBytes> bytes, std::string etag);
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }
  // Strong ETag from inode, size and modification time (ns): stable across
  // restarts, different when the file is replaced or rewritten. No hashing.
  const std::string& etag() const { return etag_; }
  // The bytes, when they are in memory already (of_sealed); empty for a file
  // on disk. Always resident: no disk read to wait for.
  std::span<const std::uint8_t> mapped() const { return sealed_ ? sealed_->bytes() : std::span<const std::uint8_t>{}; }

 private:
  OpenFile(int fd, std::uint64_t size, std::string etag) : fd_(fd), size_(size), etag_(std::move(etag)) {}
  int fd_;
  std::uint64_t size_;
  std::string etag_;
  std::shared_ptr<const core::SealedBytes> sealed_;  // owns fd_ when set
};

// Part of an open file a response sends.
struct FileSpan {
  std::shared_ptr<const OpenFile> file;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

}  // namespace tidecast::http

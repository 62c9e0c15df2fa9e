#include "http/page_cache.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <vector>

namespace tidecast::http {

namespace {

constexpr std::size_t kProbeBytes = 1;  // one byte settles one page

// 1: cached, 0: would wait for the disk, -1: RWF_NOWAIT unsupported (older
// kernels, some network filesystems) or the read failed.
int probe(int fd, off_t offset) {
  char byte = 0;
  iovec io{&byte, kProbeBytes};
  const ssize_t got = ::preadv2(fd, &io, 1, offset, RWF_NOWAIT);
  if (got >= 0) return 1;
  return errno == EAGAIN ? 0 : -1;
}

}  // namespace

bool span_cached(int fd, off_t offset, std::size_t length) {
  if (length == 0) return true;
  // Only a definite "would wait" sends the span to the disk pool: where the
  // probe cannot tell, sending at once is what every request did before.
  if (probe(fd, offset) == 0) return false;
  return length <= 4096 || probe(fd, offset + static_cast<off_t>(length) - 1) != 0;
}

bool load_span(int fd, off_t offset, std::size_t length) {
  // A real read, not readahead(2): it returns when the bytes are there.
  static constexpr std::size_t kPiece = 256 * 1024;
  std::vector<char> scratch(std::min(length, kPiece));
  std::size_t done = 0;
  while (done < length) {
    const std::size_t want = std::min(length - done, scratch.size());
    const ssize_t got = ::pread(fd, scratch.data(), want, offset + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return done > 0;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

}  // namespace tidecast::http

#include "http/page_cache.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

using namespace tidecast::http;

TEST_CASE("page cache: evicted bytes are reported missing until loaded") {
  tidecast::test::TempDir dir;
  const auto path = dir.path() / "media.bin";
  std::ofstream(path, std::ios::binary) << std::string(4 * 1024 * 1024, 'm');
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  CHECK_FALSE(span_cached(fd, 1024 * 1024, 512 * 1024));
  CHECK(load_span(fd, 1024 * 1024, 512 * 1024));
  CHECK(span_cached(fd, 1024 * 1024, 512 * 1024));
  CHECK(span_cached(fd, 0, 0));
  CHECK_FALSE(load_span(fd, 8 * 1024 * 1024, 4096));  // past the end: nothing to read
  ::close(fd);
}

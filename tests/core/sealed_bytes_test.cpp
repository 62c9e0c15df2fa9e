// SealedBytes: the bytes in a memfd no one can change, readable through the
// mapping and through the descriptor (what sendfile reads).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <numeric>
#include <vector>

#include "core/sealed_bytes.hpp"

using namespace tidecast;

TEST_CASE("sealed bytes: the mapping and the descriptor hold the bytes given, and neither can change them") {
  std::vector<std::uint8_t> bytes(300000);
  std::iota(bytes.begin(), bytes.end(), std::uint8_t{7});
  const auto sealed = core::SealedBytes::make("test", bytes);
  REQUIRE(sealed);
  REQUIRE(sealed->size() == bytes.size());
  CHECK(std::equal(bytes.begin(), bytes.end(), sealed->bytes().begin(), sealed->bytes().end()));
  bytes.assign(bytes.size(), 0);  // the caller's buffer is free to go
  CHECK(sealed->bytes()[1] == 8);

  std::vector<std::uint8_t> read(1000);
  REQUIRE(::pread(sealed->fd(), read.data(), read.size(), 299000) == 1000);
  CHECK(read.front() == static_cast<std::uint8_t>(7 + 299000));

  // Sealed: no write, no truncation, no growth.
  const std::uint8_t junk = 0;
  CHECK(::pwrite(sealed->fd(), &junk, 1, 0) == -1);
  CHECK(errno == EPERM);
  CHECK(::ftruncate(sealed->fd(), 10) == -1);
  CHECK(::ftruncate(sealed->fd(), 400000) == -1);
  CHECK((::fcntl(sealed->fd(), F_GET_SEALS) & F_SEAL_WRITE) != 0);
}

TEST_CASE("sealed bytes: nothing to seal gives null (the caller keeps ordinary memory)") {
  CHECK_FALSE(core::SealedBytes::make("empty", {}));
}

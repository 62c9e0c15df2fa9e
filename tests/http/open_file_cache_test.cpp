#include "http/open_file_cache.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "support/temp_dir.hpp"

using namespace tidecast::http;
using namespace std::chrono_literals;

TEST_CASE("open file cache: kept open within the ttl, reopened after it, bounded, misses not kept") {
  tidecast::test::TempDir dir;
  const auto a = dir.path() / "a.m4s";
  const auto b = dir.path() / "b.m4s";
  const auto c = dir.path() / "c.m4s";
  for (const auto& path : {a, b, c}) std::ofstream(path) << "first";
  OpenFileCache cache(2, 2s);
  const auto start = OpenFileCache::Clock::now();

  const auto first = cache.open(a, start);
  REQUIRE(first);
  CHECK(cache.open(a, start + 1s) == first);  // the same descriptor

  std::filesystem::remove(a);
  std::ofstream(a) << "second, longer";
  CHECK(cache.open(a, start + 1s) == first);  // within the ttl: still the old file
  const auto reopened = cache.open(a, start + 3s);
  REQUIRE(reopened);
  CHECK(reopened != first);
  CHECK(reopened->size() == std::string("second, longer").size());

  CHECK(cache.open(b, start + 3s));
  CHECK(cache.open(c, start + 3s));  // a is the least recently used: it goes
  CHECK(cache.size() == 2);
  CHECK(cache.open(a, start + 3s) != reopened);

  CHECK_FALSE(cache.open(dir.path() / "missing.m4s", start));
  CHECK_FALSE(cache.open(dir.path(), start));  // a directory is not served
  CHECK(cache.size() == 2);
}

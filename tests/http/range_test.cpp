#include <doctest/doctest.h>

#include "http/range.hpp"

using namespace tidecast::http;

TEST_CASE("byte ranges") {
  auto r = parse_range("bytes=0-9", 100);
  CHECK(r.kind == RangeKind::satisfiable);
  CHECK(r.range.first == 0);
  CHECK(r.range.length() == 10);

  r = parse_range("bytes=90-", 100);
  CHECK(r.range.first == 90);
  CHECK(r.range.last == 99);

  r = parse_range("bytes=-10", 100);
  CHECK(r.range.first == 90);

  r = parse_range("bytes=-500", 100);
  CHECK(r.range.first == 0);

  r = parse_range("bytes=50-5000", 100);
  CHECK(r.range.last == 99);
}

TEST_CASE("unsatisfiable and ignored ranges") {
  CHECK(parse_range("bytes=100-", 100).kind == RangeKind::unsatisfiable);
  CHECK(parse_range("bytes=200-300", 100).kind == RangeKind::unsatisfiable);
  CHECK(parse_range("bytes=-0", 100).kind == RangeKind::unsatisfiable);
  CHECK(parse_range("bytes=0-", 0).kind == RangeKind::unsatisfiable);
  CHECK(parse_range("bytes=5-1", 100).kind == RangeKind::none);
  CHECK(parse_range("bytes=0-1,5-6", 100).kind == RangeKind::none);
  CHECK(parse_range("items=0-1", 100).kind == RangeKind::none);
  CHECK(parse_range("bytes=x-1", 100).kind == RangeKind::none);
  CHECK(parse_range("bytes=", 100).kind == RangeKind::none);
  CHECK(parse_range("bytes=99999999999999999999999-", 100).kind == RangeKind::none);
}

#include "cluster/segment_fanout.hpp"

#include <doctest/doctest.h>

using namespace tidecast;

namespace {

// Everything a viewer's stream has queued, one entry per chunk (as the session sends them).
struct Drained {
  std::vector<std::string> chunks;
  bool finished = false;
  bool aborted = false;
};

Drained drain(http::ResponseStream& stream) {
  Drained out;
  for (;;) {
    auto taken = stream.take();
    if (taken.aborted) {
      out.aborted = true;
      return out;
    }
    const bool got = !taken.bytes.empty();
    if (got) out.chunks.push_back(std::move(taken.bytes));
    if (taken.finished) {
      out.finished = true;
      return out;
    }
    if (!got) return out;
  }
}

}  // namespace

TEST_CASE("segment fanout: each chunk to every viewer as one chunk; a late viewer gets the chunks so far") {
  cluster::SegmentFanout fanout;
  const auto early = fanout.join();
  REQUIRE(early);
  CHECK(fanout.add("moof1mdat1"));
  auto got = drain(*early);
  CHECK(got.chunks == std::vector<std::string>{"moof1mdat1"});
  CHECK_FALSE(got.finished);

  CHECK(fanout.add("moof2mdat2"));
  const auto late = fanout.join();
  REQUIRE(late);
  CHECK(fanout.viewers() == 2);
  CHECK(fanout.add("moof3mdat3"));
  CHECK(fanout.add(""));  // nothing to send, nothing sent
  CHECK(drain(*early).chunks == std::vector<std::string>{"moof2mdat2", "moof3mdat3"});
  // Never merged: the framing (one part per chunk) is kept for the late one too.
  CHECK(drain(*late).chunks == std::vector<std::string>{"moof1mdat1", "moof2mdat2", "moof3mdat3"});

  CHECK(fanout.complete() == "moof1mdat1moof2mdat2moof3mdat3");
  CHECK(fanout.state() == cluster::SegmentFanout::State::complete);
  CHECK(drain(*early).finished);
  CHECK(drain(*late).finished);
  CHECK(fanout.viewers() == 0);
  CHECK_FALSE(fanout.add("moof4mdat4"));  // over

  // A viewer after the end gets the whole segment, ended.
  const auto after = fanout.join();
  REQUIRE(after);
  got = drain(*after);
  CHECK(got.chunks.size() == 3);
  CHECK(got.finished);
}

TEST_CASE("segment fanout: an owner lost mid-segment aborts every viewer (never a short segment that looks whole)") {
  cluster::SegmentFanout fanout;
  const auto viewer = fanout.join();
  CHECK(fanout.add("moof1mdat1"));
  fanout.fail();
  CHECK(fanout.state() == cluster::SegmentFanout::State::failed);
  CHECK(drain(*viewer).aborted);
  CHECK_FALSE(fanout.join());  // the next request starts a fresh fetch elsewhere
  CHECK_FALSE(fanout.add("moof2mdat2"));
  CHECK(fanout.complete().empty());
  CHECK(fanout.bytes() == 0);
}

TEST_CASE("segment fanout: bounded (segment bytes, viewers); a viewer that left is forgotten") {
  cluster::SegmentFanout fanout({.max_bytes = 10, .max_viewers = 2});
  const auto a = fanout.join();
  const auto b = fanout.join();
  CHECK_FALSE(fanout.join());  // too many viewers
  CHECK(fanout.add("12345"));
  b->detach();  // its client went away
  CHECK(fanout.add("6789"));
  CHECK(fanout.viewers() == 1);
  CHECK(fanout.bytes() == 9);
  CHECK(fanout.chunks() == 2);
  // Past the segment bound: failed rather than grown, the viewers aborted.
  CHECK_FALSE(fanout.add("ab"));
  CHECK(fanout.state() == cluster::SegmentFanout::State::failed);
  CHECK(drain(*a).aborted);
}

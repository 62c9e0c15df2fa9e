#include "transcode/frame_rate_guess.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

using namespace tidecast::transcode;

TEST_CASE("eight frames at 90 kHz give NTSC 29.97") {
  std::vector<std::int64_t> pts;
  for (std::int64_t i = 0; i < 8; ++i) pts.push_back(1000 + i * 3003);
  CHECK(guess_frame_rate(pts, 90000) == doctest::Approx(29.97).epsilon(1e-12));
}

TEST_CASE("millisecond timestamps rounded to the tick snap to the real rate") {
  // 30 fps in RTMP milliseconds: 33/34 ms steps, 30.04 fps measured.
  CHECK(guess_frame_rate({0, 33, 67, 100, 133, 167, 200, 233}, 1000) == 30.0);
  // 25 fps with B-frames: presentation order is not decode order.
  CHECK(guess_frame_rate({0, 120, 40, 80, 280, 200, 160, 240}, 1000) == 25.0);
  // 24000/1001 (film on NTSC): 23.97 measured, nearer 23.976 than 24.
  CHECK(guess_frame_rate({0, 42, 83, 125, 167, 209, 250, 292}, 1000) == 23.976);
}

TEST_CASE("rates far from every common one are kept as measured") {
  CHECK(guess_frame_rate({0, 67, 133, 200, 267, 333, 400, 467}, 1000) == doctest::Approx(7000.0 / 467));  // 15 fps
  // 30.7 fps: 0.7 from 30 is over 2 %.
  CHECK(guess_frame_rate({0, 32, 65, 97, 130, 163, 195, 228}, 1000) == doctest::Approx(7000.0 / 228));
}

TEST_CASE("too few or identical timestamps tell nothing") {
  CHECK(guess_frame_rate({}, 1000) == 0);
  CHECK(guess_frame_rate({40}, 1000) == 0);
  CHECK(guess_frame_rate({40, 40, 40}, 1000) == 0);
  CHECK(guess_frame_rate({0, 40}, 1000) == 25.0);
}

TEST_CASE("a rate exactly on a common one stays that one") {
  // x / 100 is correctly rounded, so these equal the literals exactly.
  CHECK(guess_frame_rate({0, 100}, 2997) == 29.97);
  CHECK(guess_frame_rate({0, 100}, 5994) == 59.94);
  CHECK(guess_frame_rate({0, 1000}, 23976) == 23.976);
  CHECK(guess_frame_rate({0, 100}, 3000) == 30.0);
}

#include "transcode/frame_prep.hpp"

#include <doctest/doctest.h>

using namespace tidecast::transcode;

namespace {

LadderConfig ladder_720_480_360() {
  LadderConfig config;
  config.rungs.clear();
  for (int height : {720, 480, 360}) {
    Rung r;
    r.name = std::to_string(height) + "p";
    r.height = height;
    r.video_bitrate_kbps = height * 3;
    config.rungs.push_back(r);
  }
  return config;
}

}  // namespace

TEST_CASE("display matrix angles become a clockwise upright rotation") {
  CHECK(upright_rotation(0) == 0);
  CHECK(upright_rotation(-90) == 90);  // displayed turned clockwise: turn it back clockwise (as the ffmpeg CLI does)
  CHECK(upright_rotation(90) == 270);
  CHECK(upright_rotation(180) == 180);
  CHECK(upright_rotation(-180) == 180);
  CHECK(upright_rotation(-89.6) == 90);
  CHECK(upright_rotation(270) == 90);
  CHECK(upright_rotation(std::nan("")) == 0);
}

TEST_CASE("constant frame rate comes from the average rate, snapped to a standard one") {
  CHECK(av_cmp_q(constant_frame_rate({30, 1}, {30, 1}), AVRational{30, 1}) == 0);
  // A phone's VFR clip: average 29.87 fps (nearest standard: NTSC), nominal 90k timebase nonsense.
  CHECK(av_cmp_q(constant_frame_rate({2987, 100}, {90000, 1}), AVRational{30000, 1001}) == 0);
  CHECK(av_cmp_q(constant_frame_rate({2022, 100}, {30, 1}), AVRational{20, 1}) == 0);  // a short clip's average
  CHECK(av_cmp_q(constant_frame_rate({125, 10}, {30, 1}), AVRational{25, 2}) == 0);
  CHECK(av_cmp_q(constant_frame_rate({30000, 1001}, {60, 1}), AVRational{30000, 1001}) == 0);
  CHECK(av_cmp_q(constant_frame_rate({20, 1}, {30, 1}), AVRational{20, 1}) == 0);
  CHECK(av_cmp_q(constant_frame_rate({0, 0}, {25, 1}), AVRational{25, 1}) == 0);
  CHECK(av_cmp_q(constant_frame_rate({0, 0}, {0, 0}), AVRational{30, 1}) == 0);
  CHECK(av_cmp_q(constant_frame_rate({240, 1}, {240, 1}), AVRational{60, 1}) == 0);  // slow motion: capped
}

TEST_CASE("a constant-rate source maps one to one") {
  CfrMapper cfr({25, 1}, 12800);
  for (int i = 0; i < 50; ++i) {
    const auto step = cfr.push(1000 + i * 512);
    CHECK(step.take);
    CHECK(step.repeats == 0);
    CHECK(step.slot == i);
    CHECK(cfr.slot_pts(step.slot) == 1000 + i * 512);
  }
  CHECK(cfr.dropped() == 0);
  CHECK(cfr.repeated() == 0);
  CHECK(cfr.retimed() == 0);
}

TEST_CASE("variable frame rate: gaps repeat the previous frame, bunched frames are dropped") {
  CfrMapper cfr({10, 1}, 1000);  // slots every 100 ms
  CHECK(cfr.push(0).slot == 0);
  auto step = cfr.push(310);  // nearest slot 3: slots 1 and 2 repeat frame 0
  CHECK(step.take);
  CHECK(step.slot == 3);
  CHECK(step.repeats == 2);
  step = cfr.push(340);  // slot 3 again: dropped
  CHECK_FALSE(step.take);
  step = cfr.push(390);  // slot 4
  CHECK(step.slot == 4);
  CHECK(step.repeats == 0);
  CHECK(cfr.dropped() == 1);
  CHECK(cfr.repeated() == 2);
  CHECK(cfr.retimed() == 0);       // 310 and 390 are within a quarter frame of 300 and 400
  CHECK(cfr.push(560).slot == 6);  // 40 ms off its slot: retimed
  CHECK(cfr.retimed() == 1);
  CHECK(cfr.slot_pts(4) == 400);
}

TEST_CASE("a timestamp jump is not filled with repeats") {
  CfrMapper cfr({10, 1}, 1000);
  cfr.push(0);
  cfr.push(100);
  const auto step = cfr.push(3'600'000);  // an hour later
  CHECK(step.take);
  CHECK(step.repeats == 0);
  CHECK(step.slot == 2);
  CHECK(cfr.jumps() == 1);
  CHECK(cfr.push(3'600'100).slot == 3);  // continues from there
}

TEST_CASE("portrait uploads get portrait rungs planned by the short side") {
  const auto plans = plan_upload_ladder(ladder_720_480_360(), 1080, 1920, 2);
  REQUIRE(plans.size() == 3);
  CHECK(plans[0].width == 720);
  CHECK(plans[0].height == 1280);
  CHECK(plans[1].width == 480);
  CHECK(plans[1].height == 854);
  CHECK(plans[2].width == 360);
  CHECK(plans[2].height == 640);
}

TEST_CASE("landscape uploads plan like the live ladder") {
  const auto plans = plan_upload_ladder(ladder_720_480_360(), 1920, 1080, 2);
  REQUIRE(plans.size() == 3);
  CHECK(plans[0].width == 1280);
  CHECK(plans[0].height == 720);
  CHECK(plans[2].width == 640);
}

TEST_CASE("a source smaller than every rung gets one rung at its own even size") {
  const auto plans = plan_upload_ladder(ladder_720_480_360(), 321, 241, 2);
  REQUIRE(plans.size() == 1);
  CHECK(plans[0].height == 240);
  CHECK(plans[0].width == 320);
  CHECK(plans[0].rung.name == "360p");  // the smallest rung's settings
  const auto portrait = plan_upload_ladder(ladder_720_480_360(), 180, 320, 2);
  REQUIRE(portrait.size() == 1);
  CHECK(portrait[0].width == 180);
  CHECK(portrait[0].height == 320);
}

TEST_CASE("HDR transfer is retagged for 8-bit output, SDR left alone") {
  AVFrame frame{};
  frame.color_trc = AVCOL_TRC_SMPTE2084;
  frame.color_primaries = AVCOL_PRI_BT2020;
  CHECK(retag_hdr_as_sdr(frame));
  CHECK(frame.color_trc == AVCOL_TRC_BT709);
  CHECK(frame.color_primaries == AVCOL_PRI_BT2020);
  frame.color_trc = AVCOL_TRC_BT709;
  CHECK_FALSE(retag_hdr_as_sdr(frame));
}

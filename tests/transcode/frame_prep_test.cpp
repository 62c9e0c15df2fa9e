#include "transcode/frame_prep.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <tuple>

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

namespace {

// A 64x64 yuv420p10le picture of one flat colour, tagged HDR10 (PQ, BT.2020).
FramePtr flat_pq_frame(int luma, int chroma) {
  FramePtr frame = make_frame();
  frame->width = 64;
  frame->height = 64;
  frame->format = AV_PIX_FMT_YUV420P10LE;
  REQUIRE(av_frame_get_buffer(frame.get(), 0) == 0);
  for (int plane = 0; plane < 3; ++plane) {
    const int rows = plane == 0 ? 64 : 32;
    const int columns = plane == 0 ? 64 : 32;
    for (int y = 0; y < rows; ++y) {
      auto* row = reinterpret_cast<std::uint16_t*>(frame->data[plane] + y * frame->linesize[plane]);
      for (int x = 0; x < columns; ++x) row[x] = static_cast<std::uint16_t>(plane == 0 ? luma : chroma);
    }
  }
  frame->color_trc = AVCOL_TRC_SMPTE2084;
  frame->pts = 0;
  return frame;  // primaries, matrix and range left unspecified, as some files do
}

}  // namespace

TEST_CASE("rotation chains") {
  CHECK(rotation_filter(0).empty());
  CHECK(rotation_filter(90) == "transpose=clock");
  CHECK(rotation_filter(180) == "hflip,vflip");
  CHECK(rotation_filter(270) == "transpose=cclock");
  CHECK_FALSE(PictureFilter(rotation_filter(0), "rotate").active());
}

TEST_CASE("HDR10 is tonemapped to SDR BT.709, brighter than a plain retag would show it") {
  // 400 nits is PQ code 0.652: 10-bit limited-range Y = 64 + 0.652 * 876 = 635.
  // Read as SDR without tonemapping it would be 8-bit Y 159 (flat, dim). The
  // Hable curve with reference white at 100 nits and, without mastering
  // metadata, a 1000-nit peak puts it at about 8-bit Y 203.
  FramePtr frame = flat_pq_frame(635, 512);
  REQUIRE(is_hdr(*frame));
  assume_hdr_defaults(*frame);
  CHECK(frame->color_primaries == AVCOL_PRI_BT2020);
  CHECK(frame->colorspace == AVCOL_SPC_BT2020_NCL);
  PictureFilter tonemap(tonemap_filter(), "tonemap");
  const FramePtr sdr = tonemap.filter(*frame, 90000);
  CHECK(frame->width == 64);  // the input is left as it was
  CHECK(sdr->format == AV_PIX_FMT_YUV420P);
  CHECK(sdr->color_trc == AVCOL_TRC_BT709);
  CHECK(sdr->color_primaries == AVCOL_PRI_BT709);
  CHECK_FALSE(is_hdr(*sdr));
  const int y = sdr->data[0][32 * sdr->linesize[0] + 32];
  const int u = sdr->data[1][16 * sdr->linesize[1] + 16];
  CHECK(y >= 193);
  CHECK(y <= 213);
  CHECK(u >= 126);  // grey stays grey
  CHECK(u <= 130);
  // Black stays black; 1000 nits and above is (at least) white.
  for (const auto& [code, low, high] : {std::tuple{64, 16, 17}, std::tuple{769, 233, 255}, std::tuple{940, 235, 255}}) {
    FramePtr level = flat_pq_frame(code, 512);
    assume_hdr_defaults(*level);
    const int luma = tonemap.filter(*level, 90000)->data[0][0];
    CHECK(luma >= low);
    CHECK(luma <= high);
  }
  // zimg refuses a PQ picture with unknown primaries: the caller fills them in first.
  CHECK_THROWS_AS(tonemap.filter(*flat_pq_frame(635, 512), 90000), TranscodeError);
}

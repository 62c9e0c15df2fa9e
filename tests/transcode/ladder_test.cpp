#include "transcode/ladder.hpp"

#include <doctest/doctest.h>

using namespace tidecast::transcode;

namespace {

Rung rung(const char* name, int height, int kbps) {
  Rung r;
  r.name = name;
  r.height = height;
  r.video_bitrate_kbps = kbps;
  return r;
}

LadderConfig ladder(std::vector<Rung> rungs) {
  LadderConfig config;
  config.rungs = std::move(rungs);
  return config;
}

}  // namespace

TEST_CASE("rung sizes keep the aspect ratio and are even") {
  CHECK(rung_size(1920, 1080, 720).width == 1280);
  CHECK(rung_size(1920, 1080, 480).width == 854);  // 853.33 -> nearest even
  CHECK(rung_size(1920, 1080, 360).width == 640);
  CHECK(rung_size(1280, 720, 240).width == 426);  // 426.67 -> 426 (nearest even)
  const Size odd = rung_size(1280, 720, 361);
  CHECK(odd.height == 360);
  CHECK(odd.width == 640);
  CHECK(rung_size(640, 480, 240).width == 320);          // 4:3
  CHECK(rung_size(1080, 1920, 640).width == 360);        // portrait
  CHECK(rung_size(720, 576, 288, 16, 11).width == 524);  // anamorphic PAL 16:9 -> square pixels
  CHECK(rung_size(0, 0, 360).width == 0);
}

TEST_CASE("rungs above the source are skipped, never upscaled; order is top first") {
  LadderConfig config = ladder({rung("360p", 360, 700), rung("1080p", 1080, 5000), rung("720p", 720, 2500)});
  config.passthrough = false;  // no source on offer: a rung as tall as it is the top quality
  const auto plans = plan_ladder(config, 1280, 720, 2);
  REQUIRE(plans.size() == 2);
  CHECK(plans[0].rung.name == "720p");
  CHECK(plans[0].config_index == 2);
  CHECK(plans[0].width == 1280);
  CHECK(plans[1].rung.name == "360p");
  CHECK(plans[1].config_index == 0);
  CHECK(plan_ladder(config, 426, 240, 2).empty());
  LadderConfig off = config;
  off.enabled = false;
  CHECK(plan_ladder(off, 1920, 1080, 2).empty());
}

TEST_CASE("maxrate and bufsize default to 1.07x and 1.5x the target") {
  Rung explicit_rates = rung("480p", 480, 1200);
  explicit_rates.maxrate_kbps = 1500;
  explicit_rates.bufsize_kbps = 2400;
  const auto plans = plan_ladder(ladder({rung("720p", 720, 2500), explicit_rates}), 1920, 1080, 2);
  REQUIRE(plans.size() == 2);
  CHECK(plans[0].rung.maxrate_kbps == 2675);
  CHECK(plans[0].rung.bufsize_kbps == 3750);
  CHECK(plans[1].rung.maxrate_kbps == 1500);
  CHECK(plans[1].rung.bufsize_kbps == 2400);
}

TEST_CASE("x264 threads: the rung's share of the pool, at least one, or fixed by config") {
  LadderConfig config = ladder({rung("720p", 720, 2500), rung("480p", 480, 1200), rung("360p", 360, 700)});
  auto plans = plan_ladder(config, 1920, 1080, 2);
  REQUIRE(plans.size() == 3);
  CHECK(plans[0].x264_threads == 1);  // 1280x720 is 59 % of the pixels: 1.2 of 2 threads
  CHECK(plans[1].x264_threads == 1);
  CHECK(plans[2].x264_threads == 1);
  plans = plan_ladder(config, 1920, 1080, 8);
  CHECK(plans[0].x264_threads == 5);
  CHECK(plans[1].x264_threads == 2);
  CHECK(plans[2].x264_threads == 1);
  config.x264_threads = 3;
  plans = plan_ladder(config, 1920, 1080, 2);
  CHECK(plans[2].x264_threads == 3);
}

TEST_CASE("a channel's ladder choice: words, JSON round trip, applied to the configured ladder") {
  const LadderConfig config = ladder({rung("720p", 720, 2500), rung("480p", 480, 1200), rung("360p", 360, 700)});

  const auto only = ladder_choice_from_words("360p,720p", false, config);
  CHECK(to_json(only) == R"({"rungs":["360p","720p"]})");
  CHECK(parse_ladder_choice(to_json(only)) == only);
  const LadderConfig narrowed = apply_choice(config, only);
  REQUIRE(narrowed.rungs.size() == 2);
  CHECK(narrowed.rungs[0].name == "720p");  // the configured order is kept
  CHECK(narrowed.rungs[1].name == "360p");
  CHECK(narrowed.enabled);
  CHECK(narrowed.passthrough);

  const auto off = ladder_choice_from_words("off", false, config);
  CHECK(to_json(off) == R"({"enabled":false})");
  const LadderConfig source_only = apply_choice(config, parse_ladder_choice(to_json(off)));
  CHECK_FALSE(source_only.enabled);
  CHECK(source_only.rungs.empty());
  CHECK(source_only.passthrough);
  CHECK(plan_ladder(source_only, 1920, 1080, 2).empty());

  const auto no_source = ladder_choice_from_words("default", true, config);
  CHECK(to_json(no_source) == R"({"passthrough":false})");
  CHECK_FALSE(apply_choice(config, no_source).passthrough);
  CHECK(apply_choice(config, no_source).rungs.size() == 3);
  CHECK(ladder_choice_from_words("default", false, config).is_default());

  CHECK_THROWS_WITH_AS(ladder_choice_from_words("1080p", false, config),
                       "no rung named \"1080p\" in the configured ladder (configured: 720p, 480p, 360p)",
                       std::invalid_argument);
  CHECK_THROWS_AS(ladder_choice_from_words("720p,", false, config), std::invalid_argument);
  CHECK_THROWS_AS(ladder_choice_from_words("off", true, config), std::invalid_argument);
  CHECK_THROWS_AS(parse_ladder_choice("[1]"), std::invalid_argument);
  CHECK_THROWS_AS(parse_ladder_choice(R"({"rungs":"720p"})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_ladder_choice(R"({"speed":1})"), std::invalid_argument);

  // Names the config no longer has are skipped and reported.
  std::vector<std::string> unknown;
  const LadderConfig stale = apply_choice(config, parse_ladder_choice(R"({"rungs":["240p","480p"]})"), &unknown);
  REQUIRE(stale.rungs.size() == 1);
  CHECK(stale.rungs[0].name == "480p");
  CHECK(unknown == std::vector<std::string>{"240p"});
}

TEST_CASE("a rung as tall as the source is skipped while the source is offered, unless configured") {
  LadderConfig config = ladder({rung("720p", 720, 2500), rung("480p", 480, 1200), rung("360p", 360, 700)});
  REQUIRE(config.passthrough);  // the default: the source is the top rung
  auto plans = plan_ladder(config, 1280, 720, 2);
  REQUIRE(plans.size() == 2);  // 720p would list "720p" twice beside the 720p source
  CHECK(plans[0].rung.name == "480p");
  CHECK(plans[1].rung.name == "360p");
  CHECK(plan_ladder(config, 1280, 721, 2).size() == 2);  // odd height: 720 is as tall as it gets
  CHECK(plan_ladder(config, 1920, 1080, 2).size() == 3);
  config.source_height_rung = true;
  plans = plan_ladder(config, 1280, 720, 2);
  REQUIRE(plans.size() == 3);
  CHECK(plans[0].rung.name == "720p");
  config.source_height_rung = false;
  config.passthrough = false;
  CHECK(plan_ladder(config, 1280, 720, 2).size() == 3);
  // A channel that turns the source off gets the 720p re-encode back.
  config.passthrough = true;
  LadderChoice no_source;
  no_source.passthrough = false;
  CHECK(plan_ladder(apply_choice(config, no_source), 1280, 720, 2).size() == 3);
}

#pragma once
// The adaptive-bitrate ladder: which rungs a source gets and their exact
// output sizes. Rung and LadderConfig are the config file's types
// (include/tidecast/config.hpp, "transcode" section); this header adds the
// pure planning rules, so they can be tested without libav.
//
// Rules
// - A rung taller than the source is skipped: never upscale. A rung as tall as
//   the source is skipped too while the source itself is offered
//   (config.passthrough: the caller sets it to whether v0 really is), so no
//   height is listed twice; config.source_height_rung keeps it.
// - Output height is the rung's height rounded down to even; width keeps the
//   source's display aspect ratio (sample aspect ratio applied, so anamorphic
//   sources come out square-pixel) and is rounded to the nearest even number.
// - maxrate 0 means 1.07 x target, bufsize 0 means 1.5 x target.
// - Cost of a rung ~ its pixel rate; x264 threads per rung (when not fixed in
//   the config) are the rung's share of the CPU pool, at least 1, so the
//   encoders together use about as many threads as the pool has.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tidecast/config.hpp"

namespace tidecast::transcode {

using Rung = TranscodeRung;
using LadderConfig = TranscodeConfig;

struct RungPlan {
  Rung rung;                 // maxrate/bufsize filled in
  std::size_t config_index;  // position in LadderConfig::rungs
  int width = 0;
  int height = 0;
  int x264_threads = 1;
  double cost = 0;  // relative: width * height
  // Encode without look-ahead (a low-latency channel's rungs): x264 hands out
  // each frame as it comes instead of holding ~10 for rate control.
  bool low_latency = false;
};

// Even dimensions for a rung of `height` from a source of the given size and
// sample aspect ratio (sar_num/sar_den, 0 or 1 for square pixels).
struct Size {
  int width = 0;
  int height = 0;
};
Size rung_size(int source_width, int source_height, int height, int sar_num = 1, int sar_den = 1);

// The rungs to build for a source, top first. Empty when the ladder is
// disabled or no rung fits. `cpu_threads` is the pool size.
std::vector<RungPlan> plan_ladder(const LadderConfig& config, int source_width, int source_height,
                                  std::size_t cpu_threads, int sar_num = 1, int sar_den = 1);

// A channel's own choice from the configured ladder (catalog column
// channels.ladder, JSON; NULL = the configured ladder as it is):
//   {"enabled": false}                      the source only, no transcoding
//   {"rungs": ["720p", "360p"]}             only these configured rungs
//   {"passthrough": false}                  do not offer the source itself
// Keys may be combined; absent keys keep the configuration's value.
struct LadderChoice {
  bool enabled = true;
  std::optional<std::vector<std::string>> rungs;  // configured rung names; nullopt = all
  std::optional<bool> passthrough;                // nullopt = transcode.passthrough

  bool is_default() const { return enabled && !rungs && !passthrough; }
  bool operator==(const LadderChoice&) const = default;
};

// Throws std::invalid_argument with a message fit for the user.
LadderChoice parse_ladder_choice(std::string_view json);
std::string to_json(const LadderChoice& choice);
// The CLI's words: "off", "default", or "RUNG[,RUNG...]" (configured names);
// `no_source` turns the passthrough off. Throws std::invalid_argument for an
// unknown rung name (listing the configured ones) or "off" with no_source.
LadderChoice ladder_choice_from_words(std::string_view words, bool no_source, const LadderConfig& config);

// The configured ladder narrowed by a channel's choice. Names the config no
// longer has are skipped and returned in `unknown` (if given).
LadderConfig apply_choice(const LadderConfig& config, const LadderChoice& choice,
                          std::vector<std::string>* unknown = nullptr);

}  // namespace tidecast::transcode

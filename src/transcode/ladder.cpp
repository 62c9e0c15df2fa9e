#include "transcode/ladder.hpp"

#include <algorithm>
#include <cmath>

namespace tidecast::transcode {

Size rung_size(int source_width, int source_height, int height, int sar_num, int sar_den) {
  if (source_width <= 0 || source_height <= 0 || height <= 0) return {};
  if (sar_num <= 0 || sar_den <= 0) sar_num = sar_den = 1;
  const int out_height = std::max(2, height & ~1);
  const double display_width = static_cast<double>(source_width) * sar_num / sar_den;
  const double exact = display_width * out_height / source_height;
  const int out_width = std::max(2, static_cast<int>(std::lround(exact / 2.0)) * 2);
  return {out_width, out_height};
}

std::vector<RungPlan> plan_ladder(const LadderConfig& config, int source_width, int source_height,
                                  std::size_t cpu_threads, int sar_num, int sar_den) {
  std::vector<RungPlan> plans;
  if (!config.enabled || source_width <= 0 || source_height <= 0) return plans;
  for (std::size_t i = 0; i < config.rungs.size(); ++i) {
    const Rung& rung = config.rungs[i];
    if (rung.height > source_height || rung.height <= 0) continue;
    const Size size = rung_size(source_width, source_height, rung.height, sar_num, sar_den);
    RungPlan plan{rung, i, size.width, size.height, 1, static_cast<double>(size.width) * size.height};
    if (plan.rung.maxrate_kbps <= 0) plan.rung.maxrate_kbps = (rung.video_bitrate_kbps * 107 + 50) / 100;
    if (plan.rung.bufsize_kbps <= 0) plan.rung.bufsize_kbps = (rung.video_bitrate_kbps * 3 + 1) / 2;
    plans.push_back(std::move(plan));
  }
  std::stable_sort(plans.begin(), plans.end(),
                   [](const RungPlan& a, const RungPlan& b) { return a.height > b.height; });
  double total = 0;
  for (const auto& plan : plans) total += plan.cost;
  const double threads = static_cast<double>(std::max<std::size_t>(1, cpu_threads));
  for (auto& plan : plans) {
    if (config.x264_threads > 0) {
      plan.x264_threads = static_cast<int>(config.x264_threads);
    } else {
      plan.x264_threads = std::max(1, static_cast<int>(std::lround(threads * plan.cost / total)));
    }
  }
  return plans;
}

}  // namespace tidecast::transcode

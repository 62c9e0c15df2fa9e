#include "package/dash_low_latency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tidecast::package {

namespace {
constexpr double kMinPlaybackRate = 0.96;
constexpr double kMaxPlaybackRate = 1.04;
}  // namespace

bool dash_low_latency(const Presentation& p) {
  return p.live && !p.ended && p.part_target_seconds > 0;
}

double dash_update_period_seconds(const Presentation& p) {
  return dash_low_latency(p) ? p.part_target_seconds : p.target_duration_seconds;
}

std::string dash_availability_attributes(const Presentation& p) {
  if (!dash_low_latency(p)) return {};
  const double offset = std::max(0.0, p.target_duration_seconds - p.part_target_seconds);
  return fmt::format(" availabilityTimeOffset=\"{:.3f}\" availabilityTimeComplete=\"false\"", offset);
}

DashLatency dash_latency(const Presentation& p) {
  const double target = 4 * p.part_target_seconds;
  return DashLatency{.target_ms = std::lround(target * 1000),
                     .min_ms = std::lround(target * 500),
                     .max_ms = std::lround((target + p.target_duration_seconds) * 1000)};
}

void append_service_description(std::string& out, const Presentation& p) {
  if (!dash_low_latency(p)) return;
  const DashLatency latency = dash_latency(p);
  out += fmt::format(
      "  <ServiceDescription id=\"0\">\n"
      "    <Latency target=\"{}\" min=\"{}\" max=\"{}\"/>\n"
      "    <PlaybackRate min=\"{:.2f}\" max=\"{:.2f}\"/>\n"
      "  </ServiceDescription>\n",
      latency.target_ms, latency.min_ms, latency.max_ms, kMinPlaybackRate, kMaxPlaybackRate);
}

}  // namespace tidecast::package

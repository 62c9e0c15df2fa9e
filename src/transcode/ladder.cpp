#include "transcode/ladder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

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
  const bool skip_source_height = config.passthrough && !config.source_height_rung;
  for (std::size_t i = 0; i < config.rungs.size(); ++i) {
    const Rung& rung = config.rungs[i];
    if (rung.height > source_height || rung.height <= 0) continue;
    const Size size = rung_size(source_width, source_height, rung.height, sar_num, sar_den);
    if (skip_source_height && size.height >= (source_height & ~1)) continue;  // the source is this tall already
    RungPlan plan{.rung = rung,
                  .config_index = i,
                  .width = size.width,
                  .height = size.height,
                  .x264_threads = 1,
                  .cost = static_cast<double>(size.width) * size.height};
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

LadderChoice parse_ladder_choice(std::string_view text) {
  const auto json = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw std::invalid_argument("ladder choice: not a JSON object");
  LadderChoice choice;
  for (const auto& [key, value] : json.items()) {
    if (key == "enabled" && value.is_boolean()) {
      choice.enabled = value.get<bool>();
    } else if (key == "passthrough" && value.is_boolean()) {
      choice.passthrough = value.get<bool>();
    } else if (key == "rungs" && value.is_array()) {
      std::vector<std::string> names;
      for (const auto& name : value) {
        if (!name.is_string() || name.get<std::string>().empty()) {
          throw std::invalid_argument("ladder choice: \"rungs\" must list rung names");
        }
        names.push_back(name.get<std::string>());
      }
      choice.rungs = std::move(names);
    } else {
      throw std::invalid_argument(fmt::format("ladder choice: unexpected key or type \"{}\"", key));
    }
  }
  return choice;
}

std::string to_json(const LadderChoice& choice) {
  nlohmann::json json = nlohmann::json::object();
  if (!choice.enabled) json["enabled"] = false;
  if (choice.rungs) json["rungs"] = *choice.rungs;
  if (choice.passthrough) json["passthrough"] = *choice.passthrough;
  return json.dump();
}

LadderChoice ladder_choice_from_words(std::string_view words, bool no_source, const LadderConfig& config) {
  LadderChoice choice;
  if (no_source) choice.passthrough = false;
  if (words == "default") return choice;
  if (words == "off") {
    if (no_source)
      throw std::invalid_argument("\"off\" offers the source only; it cannot be combined with --no-source");
    choice.enabled = false;
    return choice;
  }
  std::string known;
  for (const auto& rung : config.rungs) known += fmt::format("{}{}", known.empty() ? "" : ", ", rung.name);
  std::vector<std::string> names;
  std::size_t from = 0;
  while (from <= words.size()) {
    const std::size_t comma = std::min(words.find(',', from), words.size());
    const std::string name(words.substr(from, comma - from));
    const bool configured =
        std::any_of(config.rungs.begin(), config.rungs.end(), [&](const Rung& rung) { return rung.name == name; });
    if (!configured) {
      throw std::invalid_argument(fmt::format("no rung named \"{}\" in the configured ladder (configured: {})", name,
                                              known.empty() ? "none" : known));
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    from = comma + 1;
  }
  choice.rungs = std::move(names);
  return choice;
}

LadderConfig apply_choice(const LadderConfig& config, const LadderChoice& choice, std::vector<std::string>* unknown) {
  LadderConfig out = config;
  if (!choice.enabled) {
    out.enabled = false;
    out.rungs.clear();
    out.passthrough = true;  // the source only
    return out;
  }
  if (choice.passthrough) out.passthrough = *choice.passthrough;
  if (choice.rungs) {
    out.rungs.clear();
    for (const auto& rung : config.rungs) {
      if (std::find(choice.rungs->begin(), choice.rungs->end(), rung.name) != choice.rungs->end()) {
        out.rungs.push_back(rung);
      }
    }
    if (unknown) {
      for (const auto& name : *choice.rungs) {
        const bool found =
            std::any_of(config.rungs.begin(), config.rungs.end(), [&](const Rung& rung) { return rung.name == name; });
        if (!found) unknown->push_back(name);
      }
    }
  }
  return out;
}

}  // namespace tidecast::transcode

#include "core/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tidecast::core {

namespace {

std::string label_text(const Labels& labels, const std::string& extra_name = {}, const std::string& extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    out += fmt::format("{}{}=\"{}\"", first ? "" : ",", name, escape_label_value(value));
    first = false;
  }
  if (!extra_name.empty()) out += fmt::format("{}{}=\"{}\"", first ? "" : ",", extra_name, extra_value);
  return out + "}";
}

std::string number_text(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  if (value == std::floor(value) && std::abs(value) < 1e15) return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> out(counts_.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) out[i] = running += counts_[i];
  return out;
}

double Histogram::sum() const {
  std::lock_guard lock(mutex_);
  return sum_;
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& family = families_[name];
  family.help = help;
  family.type = "counter";
  const auto [it, added] = family.index.emplace(labels, counters_.size());
  if (added) counters_.emplace_back();
  return counters_[it->second];
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& family = families_[name];
  family.help = help;
  family.type = "gauge";
  const auto [it, added] = family.index.emplace(labels, gauges_.size());
  if (added) gauges_.emplace_back();
  return gauges_[it->second];
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                              const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& family = families_[name];
  family.help = help;
  family.type = "histogram";
  const auto [it, added] = family.index.emplace(labels, histograms_.size());
  if (added) histograms_.emplace_back(std::move(bounds));
  return histograms_[it->second];
}

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() const {
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  std::vector<CollectedSample> collected;
  for (const auto& collect : collectors) collect(collected);

  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name, family.type);
    for (const auto& [labels, position] : family.index) {
      if (family.type == "counter") {
        out += fmt::format("{}{} {}\n", name, label_text(labels), counters_[position].value());
      } else if (family.type == "gauge") {
        out += fmt::format("{}{} {}\n", name, label_text(labels), number_text(gauges_[position].value()));
      } else {
        const Histogram& h = histograms_[position];
        const auto counts = h.cumulative_counts();
        for (std::size_t i = 0; i < h.bounds().size(); ++i) {
          out += fmt::format("{}_bucket{} {}\n", name, label_text(labels, "le", number_text(h.bounds()[i])), counts[i]);
        }
        out += fmt::format("{}_bucket{} {}\n", name, label_text(labels, "le", "+Inf"), counts.back());
        out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, label_text(labels), number_text(h.sum()), name,
                           label_text(labels), counts.back());
      }
    }
  }
  // Collected families: grouped by name, HELP/TYPE once each.
  std::stable_sort(collected.begin(), collected.end(),
                   [](const CollectedSample& a, const CollectedSample& b) { return a.name < b.name; });
  std::string current;
  for (const auto& sample : collected) {
    if (sample.name != current) {
      current = sample.name;
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", sample.name, sample.help, sample.name, sample.type);
    }
    out += fmt::format("{}{} {}\n", sample.name, label_text(sample.labels), number_text(sample.value));
  }
  return out;
}

}  // namespace tidecast::core

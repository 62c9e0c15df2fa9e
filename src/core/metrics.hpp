#pragma once
// Prometheus text-format metrics without globals: the composition root owns
// one Metrics and hands components the counters they update. Hot paths touch
// only atomics; values that live elsewhere (viewers, RSS) are read at scrape
// time by collectors.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tidecast::core {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then +Inf; and the sum.
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // per bucket, last = +Inf
  double sum_ = 0;
};

// One sample produced by a collector at scrape time.
struct CollectedSample {
  std::string name;
  std::string help;
  std::string type;  // "gauge" or "counter"
  Labels labels;
  double value = 0;
};

class Metrics {
 public:
  using Collector = std::function<void(std::vector<CollectedSample>&)>;

  // The same name + labels returns the same instance. References stay valid
  // for the Metrics' lifetime.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       const Labels& labels = {});
  void add_collector(Collector collector);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<Labels, std::size_t> index;  // labels -> position in the kind's deque
  };

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::deque<Counter> counters_;
  std::deque<Gauge> gauges_;
  std::deque<Histogram> histograms_;
  std::vector<Collector> collectors_;
};

// Escapes a label value for the text format.
std::string escape_label_value(const std::string& value);

}  // namespace tidecast::core

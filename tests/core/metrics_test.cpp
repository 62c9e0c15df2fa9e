#include <doctest/doctest.h>

#include "core/metrics.hpp"

using namespace tidecast::core;

TEST_CASE("counters, gauges and histograms render in the Prometheus text format") {
  Metrics metrics;
  metrics.counter("t_requests_total", "Requests", {{"code", "2xx"}}).inc(3);
  metrics.counter("t_requests_total", "Requests", {{"code", "4xx"}}).inc();
  CHECK(&metrics.counter("t_requests_total", "Requests", {{"code", "2xx"}}) ==
        &metrics.counter("t_requests_total", "Requests", {{"code", "2xx"}}));
  metrics.gauge("t_temperature", "Degrees").set(21.5);
  auto& h = metrics.histogram("t_duration_seconds", "Durations", {1, 10});
  h.observe(0.5);
  h.observe(5);
  h.observe(50);
  metrics.add_collector([](std::vector<CollectedSample>& out) {
    out.push_back({"t_viewers", "Viewers", "gauge", {{"channel", "a\"b"}}, 7});
  });
  const std::string text = metrics.render();
  CHECK(text.find("# HELP t_requests_total Requests\n# TYPE t_requests_total counter\n") != std::string::npos);
  CHECK(text.find("t_requests_total{code=\"2xx\"} 3\n") != std::string::npos);
  CHECK(text.find("t_requests_total{code=\"4xx\"} 1\n") != std::string::npos);
  CHECK(text.find("t_temperature 21.5\n") != std::string::npos);
  CHECK(text.find("t_duration_seconds_bucket{le=\"1\"} 1\n") != std::string::npos);
  CHECK(text.find("t_duration_seconds_bucket{le=\"10\"} 2\n") != std::string::npos);
  CHECK(text.find("t_duration_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("t_duration_seconds_sum 55.5\n") != std::string::npos);
  CHECK(text.find("t_duration_seconds_count 3\n") != std::string::npos);
  CHECK(text.find("t_viewers{channel=\"a\\\"b\"} 7\n") != std::string::npos);
  // HELP/TYPE appear once per family.
  CHECK(text.find("# TYPE t_requests_total") == text.rfind("# TYPE t_requests_total"));
}

#pragma once
// The benchmark clients' percentile: nearest rank over a copy; -1 when empty.
#include <algorithm>
#include <vector>

inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

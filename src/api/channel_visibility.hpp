#pragma once
// Which channels are private, kept in memory so the live media routes (one
// request per segment and viewer) never ask the catalog. Loaded at start,
// updated by the channel routes that change it.
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/channel_repository.hpp"

namespace tidecast::api {

class ChannelVisibility {
 public:
  void load(const std::vector<catalog::Channel>& channels);
  void set_private(std::string_view name, bool is_private);
  bool is_private(std::string_view name) const;

 private:
  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> private_;
};

}  // namespace tidecast::api

#include "cluster/node_url.hpp"

namespace tidecast::cluster {

std::optional<HostPort> parse_node_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  while (url.ends_with('/')) url.remove_suffix(1);
  const std::size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || url.find('/') != std::string_view::npos) {
    return HostPort{std::string(url), "80"};
  }
  return HostPort{std::string(url.substr(0, colon)), std::string(url.substr(colon + 1))};
}

}  // namespace tidecast::cluster

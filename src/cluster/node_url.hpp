#pragma once
// A node's internal URL ("http://host:port", as cluster.internal_url and the
// node registry hold it) split for a TCP connect.
#include <optional>
#include <string>
#include <string_view>

namespace tidecast::cluster {

struct HostPort {
  std::string host;
  std::string port;
};

// Nullopt unless the URL starts with "http://"; the port defaults to 80 and
// trailing slashes are ignored.
std::optional<HostPort> parse_node_url(std::string_view url);

}  // namespace tidecast::cluster

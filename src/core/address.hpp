#pragma once
// "host:port" listen addresses, IPv6 in brackets: "[::1]:8080".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tidecast::core {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace tidecast::core

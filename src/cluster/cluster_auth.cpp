#include "cluster/cluster_auth.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/crypto.hpp"

namespace tidecast::cluster {

std::string ClusterAuth::mac(std::string_view node, std::string_view seconds, std::string_view method,
                             std::string_view target) const {
  return core::hmac_sha256_hex(secret_, fmt::format("{} {} {} {}", node, seconds, method, target));
}

std::string ClusterAuth::sign(std::string_view method, std::string_view target, std::int64_t now_seconds) const {
  const std::string seconds = std::to_string(now_seconds);
  return fmt::format("{} {} {}", node_, seconds, mac(node_, seconds, method, target));
}

ClusterAuth::Verified ClusterAuth::verify(std::string_view header, std::string_view method, std::string_view target,
                                          std::int64_t now_seconds) const {
  if (header.empty()) return {"", "no cluster signature"};
  const std::size_t first = header.find(' ');
  const std::size_t second = first == std::string_view::npos ? first : header.find(' ', first + 1);
  if (second == std::string_view::npos || header.size() > 512) return {"", "malformed cluster signature"};
  const std::string_view node = header.substr(0, first);
  const std::string_view seconds = header.substr(first + 1, second - first - 1);
  const std::string_view signature = header.substr(second + 1);
  std::int64_t sent = 0;
  const auto parsed = std::from_chars(seconds.data(), seconds.data() + seconds.size(), sent);
  if (node.empty() || parsed.ec != std::errc{} || parsed.ptr != seconds.data() + seconds.size()) {
    return {"", "malformed cluster signature"};
  }
  if (!core::constant_time_equal(signature, mac(node, seconds, method, target))) {
    return {std::string(node), "wrong cluster signature (is cluster.secret_file the same on both nodes?)"};
  }
  if (sent < now_seconds - kMaxSkewSeconds || sent > now_seconds + kMaxSkewSeconds) {
    return {std::string(node), fmt::format("cluster signature {} s off this node's clock", sent - now_seconds)};
  }
  return {std::string(node), ""};
}

std::string load_secret_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{} {}: cannot read", what, path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string secret = std::move(bytes).str();
  const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!secret.empty() && is_space(secret.back())) secret.pop_back();
  std::size_t start = 0;
  while (start < secret.size() && is_space(secret[start])) ++start;
  secret.erase(0, start);
  if (secret.size() < 16) {
    throw std::runtime_error(fmt::format("{} {}: {} bytes, need at least 16", what, path, secret.size()));
  }
  return secret;
}

}  // namespace tidecast::cluster

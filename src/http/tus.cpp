#include "http/tus.hpp"

#include <algorithm>

namespace tidecast::http::tus {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view value) {
  if (value.empty() || value.size() > 18) return std::nullopt;
  std::uint64_t out = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        v[j] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      v[j] = base64_value(c);
      if (v[j] < 0) return std::nullopt;
    }
    const std::uint32_t word = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                               (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    out.push_back(static_cast<char>(word >> 16));
    if (padding < 2) out.push_back(static_cast<char>((word >> 8) & 0xff));
    if (padding < 1) out.push_back(static_cast<char>(word & 0xff));
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t word = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (n > 1) word |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (n > 2) word |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kAlphabet[(word >> 18) & 63]);
    out.push_back(kAlphabet[(word >> 12) & 63]);
    out.push_back(n > 1 ? kAlphabet[(word >> 6) & 63] : '=');
    out.push_back(n > 2 ? kAlphabet[word & 63] : '=');
  }
  return out;
}

std::optional<std::map<std::string, std::string>> parse_metadata(std::string_view value) {
  std::map<std::string, std::string> out;
  if (trim(value).empty()) return out;
  while (true) {
    const std::size_t comma = value.find(',');
    const std::string_view pair = trim(value.substr(0, comma));
    if (pair.empty()) return std::nullopt;
    const std::size_t space = pair.find(' ');
    const std::string_view key = pair.substr(0, space);
    std::string decoded;
    if (space != std::string_view::npos) {
      const std::string_view encoded = trim(pair.substr(space + 1));
      if (encoded.find(' ') != std::string_view::npos) return std::nullopt;
      auto bytes = base64_decode(encoded);
      if (!bytes) return std::nullopt;
      decoded = std::move(*bytes);
    }
    if (key.empty() || out.count(std::string(key)) > 0) return std::nullopt;
    out.emplace(std::string(key), std::move(decoded));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace tidecast::http::tus

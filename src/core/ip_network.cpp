#include "core/ip_network.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace tidecast::core {

namespace ip = boost::asio::ip;

namespace {

constexpr std::size_t kMaxAddressText = 64;

// The address as written, not yet unmapped.
std::optional<ip::address> parse_raw(std::string_view text) {
  if (text.empty() || text.size() > kMaxAddressText) return std::nullopt;
  const bool bracketed = text.front() == '[';
  if (bracketed) {
    if (text.back() != ']') return std::nullopt;
    text = text.substr(1, text.size() - 2);
  }
  // Zone ids ("fe80::1%eth0") name an interface of the writer, not a client.
  if (text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(text), ec);
  if (ec || (bracketed && !address.is_v6())) return std::nullopt;
  return address;
}

// Network-order bytes of an address, 4 or 16 of them.
std::array<unsigned char, 16> bytes_of(const ip::address& address, std::size_t& size) {
  std::array<unsigned char, 16> out{};
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), out.begin());
    size = v4.size();
  } else {
    out = address.to_v6().to_bytes();
    size = out.size();
  }
  return out;
}

// Whether the first `prefix` bits of a and b agree (both of one family).
bool same_prefix(const ip::address& a, const ip::address& b, unsigned prefix) {
  std::size_t size = 0;
  const auto x = bytes_of(a, size);
  const auto y = bytes_of(b, size);
  for (std::size_t i = 0; i < size && prefix > 0; ++i) {
    const unsigned bits = prefix >= 8 ? 8 : prefix;
    const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask)) return false;
    prefix -= bits;
  }
  return true;
}

}  // namespace

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::optional<ip::address> parse_ip_address(std::string_view text) {
  const auto address = parse_raw(text);
  if (!address) return std::nullopt;
  return unmapped(*address);
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  auto base = parse_raw(text.substr(0, slash));
  if (!base) return std::nullopt;
  const unsigned bits = base->is_v4() ? 32 : 128;
  unsigned prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() || prefix > bits) return std::nullopt;
  }
  if (base->is_v6() && base->to_v6().is_v4_mapped()) {
    // "::ffff:10.0.0.0/104" is 10.0.0.0/8; a shorter prefix reaches past the mapped range.
    if (prefix < 96) return std::nullopt;
    base = unmapped(*base);
    prefix -= 96;
  }
  // No host bits past the prefix.
  std::size_t size = 0;
  const auto bytes = bytes_of(*base, size);
  for (unsigned bit = prefix; bit < size * 8; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) return std::nullopt;
  }
  return IpNetwork(*base, prefix);
}

bool IpNetwork::contains(const ip::address& address) const {
  const ip::address plain = unmapped(address);
  if (plain.is_v4() != base_.is_v4()) return false;
  return same_prefix(plain, base_, prefix_);
}

std::string IpNetwork::to_string() const {
  return fmt::format("{}/{}", base_.to_string(), prefix_);
}

TrustedProxies TrustedProxies::from_config(const std::vector<std::string>& entries) {
  std::vector<IpNetwork> networks;
  for (const std::string& entry : entries) {
    if (auto network = IpNetwork::parse(entry)) networks.push_back(*network);
  }
  return TrustedProxies(std::move(networks));
}

bool TrustedProxies::trusts(const ip::address& address) const {
  for (const IpNetwork& network : networks_) {
    if (network.contains(address)) return true;
  }
  return false;
}

std::string TrustedProxies::to_string() const {
  std::string out;
  for (const IpNetwork& network : networks_) out += (out.empty() ? "" : ",") + network.to_string();
  return out.empty() ? "none" : out;
}

}  // namespace tidecast::core

#include "http/client_origin.hpp"

#include <string>
#include <vector>

#include "http/ascii.hpp"

namespace tidecast::http {

namespace ip = boost::asio::ip;

namespace {

constexpr std::size_t kMaxHostBytes = 255;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Every value of header `name`, in order, joined as one comma list (a proxy
// may add its own header line instead of extending the existing one).
std::string joined(const beast_http::fields& headers, std::string_view name) {
  std::string out;
  for (auto [it, end] = headers.equal_range(name); it != end; ++it) {
    if (!out.empty()) out += ',';
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

std::string_view last_entry(std::string_view list) {
  const std::size_t comma = list.rfind(',');
  return trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
}

// One X-Forwarded-For entry: an address, some proxies add a port
// ("192.0.2.1:4711", "[2001:db8::1]:4711").
std::optional<ip::address> forwarded_address(std::string_view entry) {
  entry = trim(entry);
  if (entry.starts_with('[')) {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = entry.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && all_digits(rest.substr(1), 5))) return std::nullopt;
    return core::parse_ip_address(entry.substr(0, close + 1));
  }
  const std::size_t colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    if (!all_digits(entry.substr(colon + 1), 5)) return std::nullopt;
    const auto address = core::parse_ip_address(entry.substr(0, colon));
    if (!address || !address->is_v4()) return std::nullopt;
    return address;
  }
  return core::parse_ip_address(entry);
}

ip::address client_address(const ip::address& peer, std::string_view forwarded_for,
                           const core::TrustedProxies& trusted) {
  ip::address client = peer;
  if (forwarded_for.empty()) return client;
  std::string_view rest = forwarded_for;
  while (true) {
    const std::size_t comma = rest.rfind(',');
    const std::string_view entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    const auto address = forwarded_address(entry);
    if (!address) return client;  // nothing left of garbage can be believed
    client = *address;
    if (!trusted.trusts(client) || comma == std::string_view::npos) return client;
    rest = rest.substr(0, comma);
  }
}

}  // namespace

bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostBytes) return false;
  std::string_view port;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    const auto literal = core::parse_ip_address(host.substr(0, close + 1));
    if (!literal || !literal->is_v6()) return false;
    port = host.substr(close + 1);
  } else {
    const std::size_t colon = host.find(':');
    const std::string_view name = host.substr(0, colon);
    if (name.empty()) return false;
    for (char c : name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_';
      if (!ok) return false;
    }
    if (colon != std::string_view::npos) port = host.substr(colon);
  }
  return port.empty() || (port.front() == ':' && all_digits(port.substr(1), 5));
}

ClientInfo direct_client(const ip::address& peer, bool tls) {
  ClientInfo out;
  out.peer = core::unmapped(peer).to_string();
  out.address = out.peer;
  out.secure = tls;
  return out;
}

ClientInfo resolve_client(const ip::address& peer, bool tls, const beast_http::fields& headers,
                          const core::TrustedProxies& trusted) {
  return resolve_client(direct_client(peer, tls), peer, headers, trusted);
}

ClientInfo resolve_client(const ClientInfo& direct_info, const ip::address& peer, const beast_http::fields& headers,
                          const core::TrustedProxies& trusted) {
  ClientInfo out = direct_info;
  const std::string_view host = trim(headers[beast_http::field::host]);
  if (valid_host(host)) out.host = std::string(host);
  const ip::address direct = core::unmapped(peer);
  if (!trusted.trusts(direct)) return out;
  const std::string forwarded_for = joined(headers, "X-Forwarded-For");
  if (!forwarded_for.empty()) out.address = client_address(direct, forwarded_for, trusted).to_string();
  const std::string forwarded_proto = joined(headers, "X-Forwarded-Proto");
  const std::string_view proto = last_entry(forwarded_proto);
  if (iequals(proto, "https")) out.secure = true;
  if (iequals(proto, "http")) out.secure = false;
  const std::string forwarded_host = joined(headers, "X-Forwarded-Host");
  const std::string_view last_host = last_entry(forwarded_host);
  if (valid_host(last_host)) out.host = std::string(last_host);
  return out;
}

}  // namespace tidecast::http

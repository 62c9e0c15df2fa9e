#pragma once
// Who a request comes from, as far as it can be believed. Behind a reverse
// proxy the TCP peer is the proxy; the client's address, scheme and host come
// in X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host. Anyone can send
// those headers, so they are believed only when the peer is a trusted proxy
// (http.trusted_proxies); from anyone else they are ignored.
//
// The session resolves every request head here once; handlers only see the
// result (ClientInfo), so everything keyed on the client (login rate limit,
// viewer counts, log lines) and every absolute URL agree. The connection caps
// at accept time (core::ConnectionLimiter) see the TCP peer: they run before
// any header has arrived.
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>

#include "core/ip_network.hpp"
#include "http/message.hpp"

namespace tidecast::http {

// `tls`: the request arrived on Tidecast's own HTTPS listener.
//
// X-Forwarded-For (every such header, in order, as one list) is walked from
// the right: each trusted address is a proxy hop and is skipped; the first
// untrusted one is the client. When every entry is trusted the leftmost is
// the client; an entry that is not an address (garbage, "unknown") stops the
// walk, and the nearest address already believed (at worst the peer) is the
// client. X-Forwarded-Proto ("http"/"https") and X-Forwarded-Host (host[:port])
// take their last entry, the one the trusted peer wrote; malformed values are
// ignored. The Host header is used only when well-formed (it ends up in URLs).
ClientInfo resolve_client(const boost::asio::ip::address& peer, bool tls, const beast_http::fields& headers,
                          const core::TrustedProxies& trusted);
// The peer as a client, before any header is read (sessions keep it: turning
// an address into text costs more than the rest of a small request).
ClientInfo direct_client(const boost::asio::ip::address& peer, bool tls);
// resolve_client() from the session's direct_client(peer, tls).
ClientInfo resolve_client(const ClientInfo& direct, const boost::asio::ip::address& peer,
                          const beast_http::fields& headers, const core::TrustedProxies& trusted);

// host[:port] as a URL may carry it: letters, digits, '-', '.', '_', an IPv6
// literal in brackets, an optional port. Nothing that could break out of a URL
// or the XML it is written into.
bool valid_host(std::string_view host);

}  // namespace tidecast::http

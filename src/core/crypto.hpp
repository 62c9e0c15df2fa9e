#pragma once
// Small OpenSSL-backed helpers: secrets from the CSPRNG, SHA-256, constant-time compare.
#include <cstddef>
#include <string>
#include <string_view>

namespace tidecast::core {

// `bytes` random bytes from OpenSSL's CSPRNG, rendered URL-safe (base62).
std::string random_token(std::size_t bytes);
// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Lowercase hex HMAC-SHA-256 of `data` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// Compares without an early exit, so timing does not leak the common prefix.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace tidecast::core

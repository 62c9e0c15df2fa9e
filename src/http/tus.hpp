#pragma once
// tus 1.0 header values (https://tus.io/protocols/resumable-upload): pure
// parsing, no I/O, so every rule can be unit-tested.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tidecast::http::tus {

inline constexpr std::string_view kVersion = "1.0.0";
inline constexpr std::string_view kExtensions = "creation,termination";
inline constexpr std::string_view kOffsetContentType = "application/offset+octet-stream";

// Upload-Offset / Upload-Length: a non-negative decimal integer (digits only,
// at most 18 of them). nullopt for anything else.
std::optional<std::uint64_t> parse_size(std::string_view value);

// Upload-Metadata: comma-separated "key base64value" pairs (the value may be
// absent). Keys are non-empty, unique, without spaces or commas. nullopt when
// malformed (bad base64, duplicate key, empty pair).
std::optional<std::map<std::string, std::string>> parse_metadata(std::string_view value);

// Standard base64 (RFC 4648 section 4, with padding); nullopt when invalid.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

}  // namespace tidecast::http::tus

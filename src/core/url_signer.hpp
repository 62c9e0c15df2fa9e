#pragma once
// Signed media URLs (pure: no sockets, no clock of its own).
//
//   /vod/<id>/~<expiry_unix>-<sig>/<file>
//   sig = base64url(HMAC-SHA256(key, "<prefix>\n<expiry>")), prefix = "/vod/<id>/"
//
// The signature is a path segment right after the id, so every relative URL
// inside a playlist or MPD inherits it, and the id stays at a fixed depth for
// load balancers. Verification compares in constant time.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tidecast::core {

inline constexpr std::size_t kUrlSigningKeyBytes = 32;

enum class SignatureCheck { ok, malformed, expired, bad_signature };
std::string_view to_string(SignatureCheck check);

class UrlSigner {
 public:
  // Throws std::invalid_argument unless the key is kUrlSigningKeyBytes long.
  explicit UrlSigner(std::string key);

  // The segment "~<expiry>-<sig>" (no slashes) for `prefix`.
  std::string segment(std::string_view prefix, std::int64_t expiry_unix) const;
  // prefix + segment + "/": the base every file URL of the prefix hangs off.
  std::string signed_base(std::string_view prefix, std::int64_t expiry_unix) const;
  // Checks a segment taken from a request path against `prefix` at `now_unix`.
  SignatureCheck verify(std::string_view prefix, std::string_view segment, std::int64_t now_unix) const;

 private:
  std::string mac(std::string_view prefix, std::int64_t expiry_unix) const;
  std::string key_;
};

// Whether a path segment is meant as a signature (starts with '~').
inline bool looks_like_signature(std::string_view segment) {
  return !segment.empty() && segment.front() == '~';
}

// base64url without padding (RFC 4648 §5).
std::string base64url(std::string_view bytes);

// Reads the key file, or creates it with fresh random bytes and mode 0600 when
// it does not exist. Throws std::runtime_error on I/O errors or a file of the
// wrong size.
std::string load_or_create_signing_key(const std::filesystem::path& file);

}  // namespace tidecast::core

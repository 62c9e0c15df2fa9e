#include "core/url_signer.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/crypto.hpp"

namespace tidecast::core {

namespace {

constexpr std::size_t kSigChars = 43;         // base64url of 32 bytes, unpadded
constexpr std::size_t kMaxExpiryDigits = 12;  // far beyond any real expiry

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::string_view to_string(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::ok:
      return "ok";
    case SignatureCheck::malformed:
      return "malformed";
    case SignatureCheck::expired:
      return "expired";
    case SignatureCheck::bad_signature:
      return "bad_signature";
  }
  return "malformed";
}

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = (std::uint32_t(std::uint8_t(bytes[i])) << 16) | (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                   std::uint8_t(bytes[i + 2]);
    out += {alphabet[(n >> 18) & 63], alphabet[(n >> 12) & 63], alphabet[(n >> 6) & 63], alphabet[n & 63]};
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (rest == 2) n |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (rest == 2) out += alphabet[(n >> 6) & 63];
  }
  return out;
}

UrlSigner::UrlSigner(std::string key) : key_(std::move(key)) {
  if (key_.size() != kUrlSigningKeyBytes) throw std::invalid_argument("url signing key must be 32 bytes");
}

std::string UrlSigner::mac(std::string_view prefix, std::int64_t expiry_unix) const {
  const std::string message = std::string(prefix) + "\n" + std::to_string(expiry_unix);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length)) {
    throw std::runtime_error("url signer: HMAC failed");
  }
  return base64url({reinterpret_cast<const char*>(digest), length});
}

std::string UrlSigner::segment(std::string_view prefix, std::int64_t expiry_unix) const {
  return "~" + std::to_string(expiry_unix) + "-" + mac(prefix, expiry_unix);
}

std::string UrlSigner::signed_base(std::string_view prefix, std::int64_t expiry_unix) const {
  return std::string(prefix) + segment(prefix, expiry_unix) + "/";
}

SignatureCheck UrlSigner::verify(std::string_view prefix, std::string_view segment, std::int64_t now_unix) const {
  if (segment.size() < 2 || segment.front() != '~') return SignatureCheck::malformed;
  segment.remove_prefix(1);
  const std::size_t dash = segment.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > kMaxExpiryDigits) return SignatureCheck::malformed;
  const std::string_view digits = segment.substr(0, dash);
  const std::string_view sig = segment.substr(dash + 1);
  std::int64_t expiry = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return SignatureCheck::malformed;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), expiry);
  if (ec != std::errc() || end != digits.data() + digits.size()) return SignatureCheck::malformed;
  if (digits.size() > 1 && digits.front() == '0') return SignatureCheck::malformed;  // one spelling per expiry
  if (sig.size() != kSigChars) return SignatureCheck::malformed;
  for (char c : sig) {
    if (!is_base64url_char(c)) return SignatureCheck::malformed;
  }
  if (!constant_time_equal(sig, mac(prefix, expiry))) return SignatureCheck::bad_signature;
  if (expiry <= now_unix) return SignatureCheck::expired;
  return SignatureCheck::ok;
}

std::string load_or_create_signing_key(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    std::string key(kUrlSigningKeyBytes, '\0');
    const bool random_ok = RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) == 1;
    const bool written = random_ok && ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
    const bool synced = written && ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) {
      ::unlink(file.c_str());
      throw std::runtime_error("url signing key " + file.string() + ": cannot write");
    }
    return key;
  }
  if (errno != EEXIST) throw std::runtime_error("url signing key " + file.string() + ": " + std::strerror(errno));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("url signing key " + file.string() + ": cannot read");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string key = std::move(bytes).str();
  if (key.size() != kUrlSigningKeyBytes) {
    throw std::runtime_error("url signing key " + file.string() + ": expected 32 bytes, found " +
                             std::to_string(key.size()) + " (delete it to make a new one; signed links then expire)");
  }
  return key;
}

}  // namespace tidecast::core

#include "core/password.hpp"

#include <sodium.h>

#include <stdexcept>

#include "core/crypto.hpp"

namespace tidecast::core {

namespace {

void init_sodium() {
  // Thread-safe and idempotent; -1 only when the system has no usable RNG.
  if (sodium_init() < 0) throw std::runtime_error("libsodium: sodium_init failed");
}

}  // namespace

std::string hash_password(std::string_view password) {
  init_sodium();
  if (password.size() > kMaxPasswordBytes) throw std::invalid_argument("password is too long");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("password hashing failed (out of memory)");
  }
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  init_sodium();
  if (password.size() > kMaxPasswordBytes || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);  // the API wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

std::string generate_password() {
  return random_token(18).substr(0, 24);
}

}  // namespace tidecast::core

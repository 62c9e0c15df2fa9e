#pragma once
// Password hashing with libsodium's Argon2id (crypto_pwhash_str): the stored
// string carries its own salt and cost parameters, so they can be raised later
// without invalidating old hashes.
#include <string>
#include <string_view>

namespace tidecast::core {

// Longest password accepted anywhere (Argon2 takes any length; this bounds the work per request).
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// "$argon2id$v=19$m=...,t=...,p=1$salt$hash" with the interactive limits. Throws
// std::runtime_error when libsodium cannot allocate the memory it needs.
std::string hash_password(std::string_view password);
// True when `password` matches `hash`. A malformed hash or an over-long
// password is simply a mismatch.
bool verify_password(std::string_view hash, std::string_view password);
// A random password for generated accounts (24 characters, ~142 bits).
std::string generate_password();

}  // namespace tidecast::core

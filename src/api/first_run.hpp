#pragma once
// First run in the browser: while the catalog has no users, the server holds
// one random setup token in memory (printed in the log as a setup.html link).
// POST /api/v1/setup with that token creates the first admin and signs the
// browser in; the token is then spent. It also stops working as soon as any
// user exists (e.g. made with `tidecast admin create-user`). A restart with
// no users yet prints a new one.
#include <mutex>
#include <optional>
#include <string>

#include "api/routes.hpp"

namespace tidecast::api {

class FirstRunSetup {
 public:
  explicit FirstRunSetup(catalog::UserRepository& users) : users_(users) {}

  // Makes the token when there are no users yet; nullopt when there are.
  std::optional<std::string> open();
  // Whether a token is waiting (made, not spent, still no users).
  bool waiting();
  enum class Check { ok, wrong, closed };
  // Takes the token when `token` is it (only one caller can): ok, or why not.
  Check take(std::string_view token);
  // Puts a taken token back (the admin could not be made, e.g. a bad name).
  void give_back(std::string token);

 private:
  catalog::UserRepository& users_;
  std::mutex mutex_;
  std::optional<std::string> token_;
};

// GET /api/v1/setup ({"open": bool}), POST /api/v1/setup {token, username, password}
void add_setup_routes(http::Router& router, FirstRunSetup& setup, const Authenticator& auth, core::Logger& log,
                      SessionOptions options);

}  // namespace tidecast::api

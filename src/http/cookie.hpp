#pragma once
// Cookie header parsing (RFC 6265 §5.4 shape: `a=1; b=2`) and Set-Cookie values.
#include <optional>
#include <string>
#include <string_view>

namespace tidecast::http {

// The value of cookie `name` in a Cookie request header; nullopt when absent.
// Surrounding double quotes are removed; the first occurrence wins.
std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name);

struct CookieOptions {
  long long max_age_seconds = 0;  // 0: delete the cookie (Max-Age=0)
  bool secure = false;
};
// "name=value; HttpOnly; SameSite=Lax; Path=/; Max-Age=N[; Secure]"
std::string set_cookie_value(std::string_view name, std::string_view value, const CookieOptions& options);

}  // namespace tidecast::http

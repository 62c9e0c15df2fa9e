#include "http/cookie.hpp"

#include <doctest/doctest.h>

using namespace tidecast::http;

TEST_CASE("cookies are found by exact name") {
  CHECK(find_cookie("a=1; tidecast_session=abc; b=2", "tidecast_session") == "abc");
  CHECK(find_cookie("tidecast_session=\"q\"", "tidecast_session") == "q");
  CHECK(find_cookie("x_tidecast_session=1; tidecast_session_x=2", "tidecast_session") == std::nullopt);
  CHECK(find_cookie("", "a") == std::nullopt);
  CHECK(find_cookie("a", "a") == std::nullopt);
  CHECK(find_cookie(" a = 1 ;a=2", "a") == "1");
  CHECK(find_cookie("a=", "a") == "");
}

TEST_CASE("Set-Cookie carries the session flags") {
  CHECK(set_cookie_value("s", "v", {3600, false}) == "s=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=3600");
  CHECK(set_cookie_value("s", "", {0, true}) == "s=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Secure");
}

#include "http/frame_policy.hpp"

namespace tidecast::http {

void set_frame_policy(Response& response, std::string_view path) {
  if (!path.ends_with(".html")) return;
  if (path == kEmbedPage) {
    response.set("Content-Security-Policy", "frame-ancestors *");
    return;
  }
  response.set("Content-Security-Policy", "frame-ancestors 'self'");
  response.set(beast_http::field::x_frame_options, "SAMEORIGIN");
}

}  // namespace tidecast::http

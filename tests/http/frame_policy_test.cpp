#include "http/frame_policy.hpp"

#include <doctest/doctest.h>

#include "http/embedded_files.hpp"
#include "http/static_assets.hpp"

using namespace tidecast::http;

namespace {
const EmbeddedFile kPages[] = {
    {"/index.html", "<!doctype html><title>home</title>"},
    {"/embed.html", "<!doctype html><title>embed</title>"},
    {"/signin.html", "<!doctype html><title>sign in</title>"},
    {"/assets/watch.js", "console.log('watch');"},
};
}  // namespace

TEST_CASE("only the embed page may be framed by other sites") {
  StaticAssets assets(kPages);
  Request request{Verb::get, "/", 11};
  const Response embed = assets.serve(request, "/embed.html");
  CHECK(embed["Content-Security-Policy"] == "frame-ancestors *");
  CHECK(embed[beast_http::field::x_frame_options].empty());
  for (const char* path : {"/", "/signin.html", "/index.html", "/c/somebody"}) {
    CAPTURE(path);
    const Response page = assets.serve(request, path);
    CHECK(page["Content-Security-Policy"] == "frame-ancestors 'self'");
    CHECK(page[beast_http::field::x_frame_options] == "SAMEORIGIN");
  }
  // Scripts and the like are no pages: no framing rule.
  CHECK(assets.serve(request, "/assets/watch.js")["Content-Security-Policy"].empty());
}

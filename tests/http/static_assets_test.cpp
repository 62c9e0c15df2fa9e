#include <doctest/doctest.h>

#include "http/embedded_files.hpp"
#include "http/serve_bytes.hpp"
#include "http/static_assets.hpp"

using namespace tidecast::http;

namespace {
const EmbeddedFile kFiles[] = {
    {"/index.html", "<!doctype html><title>t</title>"},
    {"/assets/app.js", "console.log('tidecast');"},
};
}  // namespace

TEST_CASE("assets are served with type, ETag and revalidation") {
  StaticAssets assets(kFiles);
  Request request{Verb::get, "/assets/app.js", 11};
  const Response ok = assets.serve(request, "/assets/app.js");
  CHECK(ok.result() == Status::ok);
  CHECK(ok[beast_http::field::content_type] == "text/javascript; charset=utf-8");
  const std::string etag(ok[beast_http::field::etag]);
  CHECK(etag.front() == '"');

  request.set(beast_http::field::if_none_match, etag);
  const Response cached = assets.serve(request, "/assets/app.js");
  CHECK(cached.result() == Status::not_modified);
  CHECK(cached.body().bytes.empty());
}

TEST_CASE("the root and client-side routes serve index.html; missing files 404") {
  StaticAssets assets(kFiles);
  Request request{Verb::get, "/", 11};
  CHECK(assets.serve(request, "/").body().bytes.starts_with("<!doctype html>"));
  CHECK(assets.serve(request, "/watch").body().bytes.starts_with("<!doctype html>"));
  CHECK(assets.serve(request, "/missing.js").result() == Status::not_found);
}

TEST_CASE("ranges and HEAD") {
  const std::string data = "0123456789abcdefghij";
  Request request{Verb::get, "/x", 11};
  request.set(beast_http::field::range, "bytes=0-9");
  Response partial = serve_bytes(request, {{nullptr, data}, "video/mp4", "\"e\"", ""});
  CHECK(partial.result() == Status::partial_content);
  CHECK(partial.body().bytes == "0123456789");
  CHECK(partial[beast_http::field::content_range] == "bytes 0-9/20");

  request.set(beast_http::field::range, "bytes=50-");
  Response unsatisfiable = serve_bytes(request, {{nullptr, data}, "video/mp4", "\"e\"", ""});
  CHECK(unsatisfiable.result() == Status::range_not_satisfiable);
  CHECK(unsatisfiable[beast_http::field::content_range] == "bytes */20");

  Request head{Verb::head, "/x", 11};
  Response headers_only = serve_bytes(head, {{nullptr, data}, "video/mp4", "\"e\"", ""});
  CHECK(headers_only.body().bytes.empty());
  CHECK(headers_only[beast_http::field::content_length] == "20");
}

#include "http/static_assets.hpp"

#include <doctest/doctest.h>

#include "http/embedded_files.hpp"
#include "http/serve_bytes.hpp"

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

namespace {
// Stand-ins for the web build's precompressed variants: only their names and sizes matter here.
const EmbeddedFile kEncodedFiles[] = {
    {"/assets/app.js", "console.log('tidecast'); console.log('tidecast');"},
    {"/assets/app.js.br", "BR-BYTES"},
    {"/assets/app.js.gz", "GZIP-BYTES-LONGER"},
    {"/assets/big.png", "not really a png, but long enough"},
    {"/assets/big.png.gz", "png-gz"},  // not a text type: stays a file of its own
    {"/assets/tiny.css", "a{}"},
    {"/assets/tiny.css.gz", "longer than a{}"},  // saves nothing: ignored
    {"/index.html", "<!doctype html><title>t</title>"},
    {"/index.html.gz", "GZ-INDEX"},
};

Response get(const StaticAssets& assets, std::string_view path, std::string_view accept_encoding,
             Verb verb = Verb::get) {
  Request request{verb, path, 11};
  if (!accept_encoding.empty()) request.set(beast_http::field::accept_encoding, accept_encoding);
  return assets.serve(request, path);
}
}  // namespace

TEST_CASE("precompressed assets are chosen by Accept-Encoding") {
  StaticAssets assets(kEncodedFiles);
  const Response br = get(assets, "/assets/app.js", "gzip, deflate, br");
  CHECK(br.result() == Status::ok);
  CHECK(br.body().bytes == "BR-BYTES");
  CHECK(br[beast_http::field::content_encoding] == "br");
  CHECK(br[beast_http::field::vary] == "Accept-Encoding");
  CHECK(br[beast_http::field::content_type] == "text/javascript; charset=utf-8");

  const Response gzip = get(assets, "/assets/app.js", "gzip");
  CHECK(gzip.body().bytes == "GZIP-BYTES-LONGER");
  CHECK(gzip[beast_http::field::content_encoding] == "gzip");
  CHECK(gzip[beast_http::field::vary] == "Accept-Encoding");

  const Response plain = get(assets, "/assets/app.js", "");
  CHECK(plain.body().bytes.starts_with("console.log"));
  CHECK(plain[beast_http::field::content_encoding].empty());
  CHECK(plain[beast_http::field::vary] == "Accept-Encoding");  // caches must key on it for identity too

  const Response refused = get(assets, "/assets/app.js", "br;q=0, gzip;q=0");
  CHECK(refused.body().bytes.starts_with("console.log"));
  CHECK(refused[beast_http::field::content_encoding].empty());

  // One ETag per representation.
  const std::string etags[] = {std::string(br[beast_http::field::etag]), std::string(gzip[beast_http::field::etag]),
                               std::string(plain[beast_http::field::etag])};
  CHECK(etags[0] != etags[1]);
  CHECK(etags[1] != etags[2]);
  CHECK(etags[0] != etags[2]);
}

TEST_CASE("variants are no paths of their own; non-text or larger ones stay plain files") {
  StaticAssets assets(kEncodedFiles);
  CHECK(get(assets, "/assets/app.js.br", "").result() == Status::not_found);
  CHECK(get(assets, "/assets/app.js.gz", "").result() == Status::not_found);

  const Response png = get(assets, "/assets/big.png", "gzip, br");
  CHECK(png.body().bytes == "not really a png, but long enough");
  CHECK(png[beast_http::field::content_encoding].empty());
  CHECK(png[beast_http::field::vary].empty());
  CHECK(get(assets, "/assets/big.png.gz", "").body().bytes == "png-gz");

  const Response css = get(assets, "/assets/tiny.css", "gzip");
  CHECK(css.body().bytes == "a{}");
  CHECK(css[beast_http::field::content_encoding].empty());

  // Client-side routes fall back to index.html, encodings included.
  const Response page = get(assets, "/watch", "gzip");
  CHECK(page.body().bytes == "GZ-INDEX");
  CHECK(page[beast_http::field::content_encoding] == "gzip");
  CHECK(page[beast_http::field::content_type] == "text/html; charset=utf-8");
}

TEST_CASE("revalidation, Range and HEAD apply to the encoded bytes") {
  StaticAssets assets(kEncodedFiles);
  const std::string br_etag(get(assets, "/assets/app.js", "br")[beast_http::field::etag]);

  Request request{Verb::get, "/assets/app.js", 11};
  request.set(beast_http::field::accept_encoding, "br");
  request.set(beast_http::field::if_none_match, br_etag);
  const Response cached = assets.serve(request, "/assets/app.js");
  CHECK(cached.result() == Status::not_modified);
  CHECK(cached[beast_http::field::vary] == "Accept-Encoding");
  CHECK(cached[beast_http::field::etag] == br_etag);

  // The br validator does not match the gzip representation.
  request.set(beast_http::field::accept_encoding, "gzip");
  CHECK(assets.serve(request, "/assets/app.js").result() == Status::ok);

  request.erase(beast_http::field::if_none_match);
  request.set(beast_http::field::accept_encoding, "br");
  request.set(beast_http::field::range, "bytes=3-");
  const Response partial = assets.serve(request, "/assets/app.js");
  CHECK(partial.result() == Status::partial_content);
  CHECK(partial.body().bytes == "BYTES");
  CHECK(partial[beast_http::field::content_range] == "bytes 3-7/8");
  CHECK(partial[beast_http::field::content_encoding] == "br");

  const Response head = get(assets, "/assets/app.js", "gzip", Verb::head);
  CHECK(head.body().bytes.empty());
  CHECK(head[beast_http::field::content_length] == "17");
  CHECK(head[beast_http::field::content_encoding] == "gzip");
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

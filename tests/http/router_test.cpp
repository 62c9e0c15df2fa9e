#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/router.hpp"

using namespace tidecast::http;

namespace {

Request make_request(Verb verb, std::string target) {
  Request request{verb, target, 11};
  return request;
}

std::string body_of(const Response& response) { return std::string(response.body().bytes); }

Router make_router() {
  Router router;
  router.add(Verb::get, "/api/v1/things", [](const Request&, const RouteContext&) {
    return make_text(Status::ok, "list");
  });
  router.add(Verb::post, "/api/v1/things", [](const Request&, const RouteContext&) {
    return make_text(Status::created, "made");
  });
  router.add(Verb::get, "/live/{channel}/*", [](const Request&, const RouteContext& context) {
    return make_text(Status::ok, std::string(context.param("channel")) + "|" + std::string(context.param("*")));
  });
  router.set_fallback([](const Request&, const RouteContext& context) { return make_text(Status::ok, "asset " + context.path); });
  return router;
}

}  // namespace

TEST_CASE("routes match by method and pattern") {
  const Router router = make_router();
  CHECK(body_of(router.handle(make_request(Verb::get, "/api/v1/things"))) == "list");
  CHECK(router.handle(make_request(Verb::post, "/api/v1/things")).result() == Status::created);
  CHECK(body_of(router.handle(make_request(Verb::get, "/live/studio/v0/12.m4s?x"))) == "studio|v0/12.m4s");
  CHECK(body_of(router.handle(make_request(Verb::head, "/api/v1/things"))) == "list");
}

TEST_CASE("unknown API routes get JSON 404, wrong methods JSON 405 with Allow") {
  const Router router = make_router();
  const Response missing = router.handle(make_request(Verb::get, "/api/v1/nothing"));
  CHECK(missing.result() == Status::not_found);
  CHECK(nlohmann::json::parse(body_of(missing))["error"]["code"] == "not_found");

  const Response wrong = router.handle(make_request(Verb::delete_, "/api/v1/things"));
  CHECK(wrong.result() == Status::method_not_allowed);
  CHECK(wrong[boost::beast::http::field::allow] == "GET, HEAD, POST");
  CHECK(nlohmann::json::parse(body_of(wrong))["error"]["code"] == "method_not_allowed");
}

TEST_CASE("everything else goes to the fallback, traversal is rejected before it") {
  const Router router = make_router();
  CHECK(body_of(router.handle(make_request(Verb::get, "/watch.html"))) == "asset /watch.html");
  CHECK(router.handle(make_request(Verb::get, "/%2e%2e/etc/passwd")).result() == Status::bad_request);
  CHECK(router.handle(make_request(Verb::post, "/index.html")).result() == Status::method_not_allowed);
}

TEST_CASE("streaming routes are offered the head only and count for 405") {
  Router router;
  int offered = 0;
  router.add_streaming(Verb::post, "/api/v1/uploads/{id}", [&](const RequestHead&, const RouteContext& context) {
    ++offered;
    CHECK(context.param("id") == "abc");
    return StreamStart::refuse(make_text(Status::accepted, "streamed"));
  });
  RequestHead head;
  head.method(Verb::post);
  head.target("/api/v1/uploads/abc");
  const auto start = router.stream(head);
  REQUIRE(start);
  CHECK_FALSE(start->sink);
  CHECK(start->response.result() == Status::accepted);
  CHECK(offered == 1);
  head.method(Verb::get);
  CHECK_FALSE(router.stream(head));  // GET has no streaming route
  head.method(Verb::post);
  head.target("/api/v1/other");
  CHECK_FALSE(router.stream(head));

  Request get{Verb::get, "/api/v1/uploads/abc", 11};
  const Response res = router.handle(get);
  CHECK(res.result() == Status::method_not_allowed);
  CHECK(res[beast_http::field::allow] == "POST");
}

#include "http/router.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "http/path.hpp"

namespace tidecast::http {

namespace {
bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
}  // namespace

std::string_view RouteContext::param(std::string_view name) const {
  const auto it = params.find(name);
  return it == params.end() ? std::string_view{} : std::string_view(it->second);
}

void Router::add(Verb method, std::string_view pattern, Handler handler) {
  Route route{method, {}, std::move(handler), {}};
  for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

void Router::add_streaming(Verb method, std::string_view pattern, StreamRouteHandler handler) {
  Route route{method, {}, {}, std::move(handler)};
  for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

std::optional<StreamStart> Router::stream(const RequestHead& head, const ClientInfo& client) const {
  // Called for every request head: most methods (GET) have no streaming route.
  const bool any = std::any_of(routes_.begin(), routes_.end(), [&](const Route& route) {
    return route.stream_handler && route.method == head.method();
  });
  if (!any) return std::nullopt;
  const auto normalized = normalize_path(head.target());
  if (!normalized) return std::nullopt;
  RouteContext context;
  context.path = *normalized;
  context.client = client;
  const auto segments = split_path(context.path);
  for (const Route& route : routes_) {
    if (!route.stream_handler || route.method != head.method()) continue;
    if (match(route, segments, context)) return route.stream_handler(head, context);
  }
  return std::nullopt;
}

bool Router::match(const Route& route, const std::vector<std::string_view>& path, RouteContext& context) {
  // Compared as views first: most routes fail on a literal segment, and only
  // the one that matches fills the parameters (a few strings per request).
  std::size_t i = 0;
  bool rest = false;
  for (; i < route.segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want == "*") {
      rest = true;
      break;
    }
    if (i >= path.size()) return false;
    if (!is_param(want) && want != path[i]) return false;
  }
  if (!rest && i != path.size()) return false;
  context.params.clear();
  for (std::size_t j = 0; j < i; ++j) {
    const std::string& want = route.segments[j];
    if (is_param(want)) context.params[want.substr(1, want.size() - 2)] = std::string(path[j]);
  }
  if (rest) {
    // The segments are views into one normalised path ("/a/b"): the rest is
    // the text from the first remaining segment on.
    context.params["*"] =
        i < path.size() ? std::string(path[i].data(), path.back().data() + path.back().size()) : std::string();
  }
  return true;
}

Response Router::handle(const Request& request, const ClientInfo& client) const {
  const auto normalized = normalize_path(request.target());
  if (!normalized) return make_json_error(Status::bad_request, "bad_path", "the request path is not allowed");
  RouteContext context;
  context.path = std::move(*normalized);
  context.client = client;
  const auto segments = split_path(context.path);
  const Verb method = request.method() == Verb::head ? Verb::get : request.method();

  std::string allowed;
  for (const Route& route : routes_) {
    if (!match(route, segments, context)) continue;
    if (route.method == method) {
      if (route.handler) return route.handler(request, context);
      // A streaming route reached with a body already in memory: the server
      // was built without the router's stream() hook.
      return make_json_error(Status::internal_server_error, "internal", "streaming route without a streaming server");
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string(beast_http::to_string(route.method));
    if (route.method == Verb::get) allowed += ", HEAD";
  }
  if (!allowed.empty()) {
    Response res = make_json_error(Status::method_not_allowed, "method_not_allowed",
                                   fmt::format("{} is not allowed here", std::string(request.method_string())));
    res.set(beast_http::field::allow, allowed);
    return res;
  }
  if (context.path == "/api" || context.path.starts_with("/api/")) {
    return make_json_error(Status::not_found, "not_found", fmt::format("no API route {}", context.path));
  }
  if (fallback_ && method == Verb::get) {
    context.params.clear();
    return fallback_(request, context);
  }
  if (fallback_) {
    Response res = make_json_error(Status::method_not_allowed, "method_not_allowed", "only GET and HEAD are allowed here");
    res.set(beast_http::field::allow, "GET, HEAD");
    return res;
  }
  return make_json_error(Status::not_found, "not_found", "not found");
}

}  // namespace tidecast::http

#pragma once
// Maps (method, path pattern) to handlers. Patterns are literal segments,
// `{name}` for one segment, and a trailing `*` for the rest of the path.
// HEAD is served by GET routes. Paths under /api/ answer unknown routes with
// JSON 404/405; everything else goes to the fallback (the web UI).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/body_sink.hpp"
#include "http/message.hpp"

namespace tidecast::http {

struct RouteContext {
  std::string path;  // normalised
  ClientInfo client;
  std::map<std::string, std::string, std::less<>> params;
  std::string_view param(std::string_view name) const;
};

using Handler = std::function<Response(const Request&, const RouteContext&)>;
// A route whose body is streamed (see http/body_sink.hpp): called with the head only.
using StreamRouteHandler = std::function<StreamStart(const RequestHead&, const RouteContext&)>;

class Router {
 public:
  void add(Verb method, std::string_view pattern, Handler handler);
  // The body of matching requests goes to the handler's BodySink, not memory.
  void add_streaming(Verb method, std::string_view pattern, StreamRouteHandler handler);
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }
  Response handle(const Request& request, const ClientInfo& client = {}) const;
  // For a request head: the streaming route's decision, or nullopt when no
  // streaming route matches (the request is then read whole and handle()d).
  std::optional<StreamStart> stream(const RequestHead& head, const ClientInfo& client = {}) const;

 private:
  struct Route {
    Verb method;
    std::vector<std::string> segments;
    Handler handler;
    StreamRouteHandler stream_handler;  // set for streaming routes (then handler is empty)
  };
  static bool match(const Route& route, const std::vector<std::string_view>& path, RouteContext& context);

  std::vector<Route> routes_;
  Handler fallback_;
};

}  // namespace tidecast::http

#include "api/events_routes.hpp"

namespace tidecast::api {

void add_event_routes(http::Router& router, EventHub& hub, EventAuthorizer authorize) {
  router.add(http::Verb::get, "/api/v1/events",
             [&hub, authorize = std::move(authorize)](const http::Request& request, const http::RouteContext& context) {
               auto filter = authorize(request, context);
               if (!filter) {
                 return http::make_json_error(http::Status::unauthorized, "unauthenticated",
                                              "sign in (or send an API token) to receive events");
               }
               auto stream = std::make_shared<http::ResponseStream>();
               hub.subscribe(stream, std::move(*filter));
               return http::make_event_stream(std::move(stream));
             });
}

}  // namespace tidecast::api

#pragma once
// GET /api/v1/events: Server-Sent Events (api/event_hub.hpp) for signed-in
// users and API token holders.
#include <functional>
#include <optional>

#include "api/event_hub.hpp"
#include "http/router.hpp"

namespace tidecast::api {

// Decides who may listen: the filter of what the caller may see, or nullopt
// for 401. The composition root supplies it (sessions, API tokens).
using EventAuthorizer = std::function<std::optional<VideoFilter>(const http::Request&, const http::RouteContext&)>;

void add_event_routes(http::Router& router, EventHub& hub, EventAuthorizer authorize);

}  // namespace tidecast::api

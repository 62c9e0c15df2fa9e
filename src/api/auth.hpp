#pragma once
// Who may upload and manage videos: until accounts exist, holders of an API
// token (`tidecast token add NAME`), sent as `Authorization: Bearer <token>`.
#include <optional>

#include "catalog/token_repository.hpp"
#include "http/body_sink.hpp"
#include "http/message.hpp"

namespace tidecast::api {

// The token named by the request's bearer credentials, if they are valid.
std::optional<catalog::ApiToken> bearer_token(const http::RequestHead& head, catalog::TokenRepository& tokens);
// 401 with `WWW-Authenticate: Bearer`.
http::Response unauthorized();

}  // namespace tidecast::api

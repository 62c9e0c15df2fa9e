#pragma once
// The internal API of a storage node (cluster role `storage`), used by
// conversion runners; every call is signed with the cluster secret.
//   GET  /internal/v1/storage/originals/{video}        the uploaded file (Range: in pieces)
//   PUT  /internal/v1/storage/attempts/{job}/{token}/… one output file of a runner's attempt (streamed)
//   POST /internal/v1/storage/jobs/{job}/commit        {"token","result"}: the fenced commit
//                                                      (vod/fenced_publish.hpp): 200, 409 stale, 410 gone
// They live in api/ (not cluster/) because they need the catalog and vod;
// the cluster front checks the signature of the in-memory calls, and the
// streamed PUT checks it itself through `verify`.
#include <filesystem>
#include <functional>
#include <string>

#include "core/log.hpp"
#include "http/body_sink.hpp"
#include "http/router.hpp"

namespace tidecast::api {

struct StorageRouteDeps {
  std::string catalog_location;
  std::filesystem::path data_dir;
  // "" when the request head carries a valid cluster signature, else why not.
  std::function<std::string(const http::RequestHead&)> verify;
  core::Logger& log;
};

// `internal`: routes reached through the cluster front (signature checked
// there); `streaming`: the server's router, for the streamed PUT.
void add_storage_routes(http::Router& internal, http::Router& streaming, StorageRouteDeps deps);

}  // namespace tidecast::api

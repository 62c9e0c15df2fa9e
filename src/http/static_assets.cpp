#include "http/static_assets.hpp"

#include "http/mime.hpp"
#include "http/serve_bytes.hpp"

namespace tidecast::http {

StaticAssets::StaticAssets(std::span<const EmbeddedFile> files) {
  for (const EmbeddedFile& file : files) files_.emplace(std::string(file.path), Asset{file.bytes, etag_for(file.bytes)});
}

const StaticAssets::Asset* StaticAssets::find(std::string_view path) const {
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

Response StaticAssets::serve(const Request& request, std::string_view path) const {
  std::string_view lookup = path == "/" ? "/index.html" : path;
  const Asset* asset = find(lookup);
  const bool looks_like_page = lookup.rfind('.') == std::string_view::npos || lookup.rfind('.') < lookup.rfind('/');
  if (!asset && looks_like_page) {
    lookup = "/index.html";
    asset = find(lookup);
  }
  if (!asset) return make_text(Status::not_found, "Not found\n");
  // Hashed bundle names could be cached forever; plain names revalidate by ETag.
  ServedBytes served;
  served.body.bytes = asset->bytes;  // static storage: no owner needed
  served.content_type = mime_type_for(lookup);
  served.etag = asset->etag;
  served.cache_control = "no-cache";
  return serve_bytes(request, std::move(served));
}

}  // namespace tidecast::http

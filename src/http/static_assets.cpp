#include "http/static_assets.hpp"

#include <array>

#include "http/content_coding.hpp"
#include "http/frame_policy.hpp"
#include "http/mime.hpp"
#include "http/serve_bytes.hpp"

namespace tidecast::http {

namespace {

// Text types the web build precompresses; images and fonts are compressed already.
bool compressible(std::string_view path) {
  static constexpr std::array<std::string_view, 6> kExtensions{".js", ".css", ".html", ".svg", ".json", ".map"};
  for (std::string_view ext : kExtensions) {
    if (path.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace

StaticAssets::StaticAssets(std::span<const EmbeddedFile> files) {
  for (const EmbeddedFile& file : files) {
    Asset asset;
    asset.identity = {.bytes = file.bytes, .etag = etag_for(file.bytes)};
    files_.emplace(std::string(file.path), std::move(asset));
  }
  attach_encodings();
}

// Moves each `<file>.br` / `<file>.gz` onto `<file>` when that is a text asset
// and the encoded form is smaller; anything else stays a plain file.
void StaticAssets::attach_encodings() {
  for (auto it = files_.begin(); it != files_.end();) {
    const std::string_view path = it->first;
    const bool br = path.ends_with(".br");
    const bool gz = path.ends_with(".gz");
    const std::string_view base_path = path.substr(0, path.size() - 3);
    const auto base = (br || gz) && compressible(base_path) ? files_.find(base_path) : files_.end();
    if (base == files_.end() || it->second.identity.bytes.size() >= base->second.identity.bytes.size()) {
      ++it;
      continue;
    }
    (br ? base->second.br : base->second.gzip) = std::move(it->second.identity);
    it = files_.erase(it);
  }
}

const StaticAssets::Asset* StaticAssets::find(std::string_view path) const {
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

std::string_view StaticAssets::bytes(std::string_view path) const {
  const Asset* asset = find(path);
  return asset ? asset->identity.bytes : std::string_view{};
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
  const ContentCoding coding = choose_content_coding(request[beast_http::field::accept_encoding],
                                                     {.gzip = asset->gzip.has_value(), .br = asset->br.has_value()});
  const Encoded& chosen = coding == ContentCoding::br     ? *asset->br
                          : coding == ContentCoding::gzip ? *asset->gzip
                                                          : asset->identity;
  // Hashed bundle names could be cached forever; plain names revalidate by ETag.
  ServedBytes served;
  served.body.bytes = chosen.bytes;  // static storage: no owner needed
  served.content_type = mime_type_for(lookup);
  served.etag = chosen.etag;
  served.cache_control = "no-cache";
  Response res = serve_bytes(request, std::move(served));
  set_frame_policy(res, lookup);
  if (asset->gzip || asset->br) {
    // Caches must key on Accept-Encoding for every answer, the identity one included.
    res.set(beast_http::field::vary, "Accept-Encoding");
    if (coding != ContentCoding::identity && (res.result() == Status::ok || res.result() == Status::partial_content)) {
      res.set(beast_http::field::content_encoding, content_coding_name(coding));
    }
  }
  return res;
}

}  // namespace tidecast::http

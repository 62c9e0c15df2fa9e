#pragma once
// The web UI, served from the files embedded at build time. Unknown paths
// without a file extension fall back to /index.html so client-side routes work.
#include <map>
#include <span>
#include <string>

#include "http/embedded_files.hpp"
#include "http/message.hpp"

namespace tidecast::http {

class StaticAssets {
 public:
  explicit StaticAssets(std::span<const EmbeddedFile> files);

  // `path` must already be normalised (see normalize_path).
  Response serve(const Request& request, std::string_view path) const;
  std::size_t size() const { return files_.size(); }

 private:
  struct Asset {
    std::string_view bytes;
    std::string etag;
  };
  const Asset* find(std::string_view path) const;

  std::map<std::string, Asset, std::less<>> files_;
};

}  // namespace tidecast::http

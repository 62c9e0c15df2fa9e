#pragma once
// The web UI, served from the files embedded at build time. Unknown paths
// without a file extension fall back to /index.html so client-side routes work.
// The web build stores text assets precompressed too (`app.js.br`,
// `app.js.gz` next to `app.js`, only where that saves bytes): those become
// encodings of their file, chosen by Accept-Encoding, not paths of their own.
#include <map>
#include <optional>
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
  // An embedded file's plain bytes (static storage), or empty when there is none.
  std::string_view bytes(std::string_view path) const;

 private:
  // One encoding of a file; each has its own ETag (RFC 9110 §8.8.3: a
  // validator names one representation, and ranges apply to encoded bytes).
  struct Encoded {
    std::string_view bytes;
    std::string etag;
  };
  struct Asset {
    Encoded identity;
    std::optional<Encoded> gzip;
    std::optional<Encoded> br;
  };
  const Asset* find(std::string_view path) const;
  void attach_encodings();

  std::map<std::string, Asset, std::less<>> files_;
};

}  // namespace tidecast::http

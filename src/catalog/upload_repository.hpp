#pragma once
// Resumable (tus) uploads in progress: declared length, bytes received so far,
// the client's metadata, the token that created it and when it expires. The
// bytes themselves live in <data_dir>/uploads/<id>.part.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace tidecast::catalog {

struct Upload {
  std::string id;
  std::int64_t length = 0;    // Upload-Length
  std::int64_t received = 0;  // Upload-Offset
  std::string metadata;       // JSON object of the decoded Upload-Metadata pairs
  std::optional<std::int64_t> token_id;
  std::optional<std::string> video_id;  // set once complete
  std::int64_t created_at = 0;          // unix ms
  std::int64_t expires_at = 0;          // unix ms; incomplete uploads are removed after this
  std::optional<std::int64_t> completed_at;
  std::optional<std::int64_t> user_id;  // the signed-in user (or user token) that created it
  bool complete() const { return completed_at.has_value(); }
};

struct NewUpload {
  std::int64_t length = 0;
  std::string metadata = "{}";
  std::optional<std::int64_t> token_id;
  std::int64_t expires_at = 0;
};

class UploadRepository {
 public:
  explicit UploadRepository(Database& db) : db_(db) {}

  Upload create(const NewUpload& upload);
  std::optional<Upload> find(std::string_view id);
  void set_received(std::string_view id, std::int64_t received);
  // Marks the upload complete (received = length) and links its video.
  void complete(std::string_view id, std::string_view video_id);
  bool remove(std::string_view id);
  void set_user(std::string_view id, std::optional<std::int64_t> user_id);
  // Uploads whose expiry is before `now_ms` (complete ones only keep their
  // row for HEAD requests after the end; incomplete ones are abandoned).
  std::vector<Upload> expired(std::int64_t now_ms);
  // Ids of all incomplete uploads (their .part files are live).
  std::vector<std::string> incomplete_ids();

 private:
  Database& db_;
};

}  // namespace tidecast::catalog

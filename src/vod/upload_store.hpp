#pragma once
// Upload bytes on disk and their state in the catalog.
//
// Resumable (tus) uploads: a row in `uploads` plus <dir>/<id>.part. A PATCH
// opens an UploadWriter at the client's offset, which must equal the stored
// one; the offset is saved every few MiB and when the request ends (even
// when it breaks off), so a client can resume from it, also after a restart.
// Bytes a crash wrote past the saved offset are cut away on the next PATCH;
// the offset reported is never more than the file holds.
//
// Plain uploads (one POST) stream to <dir>/post-<random>.part and are deleted
// unless they complete.
//
// The store has its own catalog connection, so it can be used from any I/O
// thread; one PATCH at a time per upload.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "catalog/database.hpp"
#include "catalog/upload_repository.hpp"
#include "core/log.hpp"
#include "vod/append_file.hpp"

namespace tidecast::vod {

struct UploadStoreOptions {
  std::filesystem::path dir;    // <data_dir>/uploads
  std::uint64_t max_bytes = 0;  // largest upload
  std::chrono::milliseconds expire_after{std::chrono::hours(24)};
};

class UploadStore;

// Appends to one tus upload; holds its lock until destroyed.
class UploadWriter {
 public:
  UploadWriter(UploadStore& store, catalog::Upload upload);
  ~UploadWriter();
  UploadWriter(const UploadWriter&) = delete;
  UploadWriter& operator=(const UploadWriter&) = delete;

  // Throws std::system_error (ENOSPC: disk full) or std::length_error past the declared length.
  void write(const char* data, std::size_t size);
  // Saves the offset; when the upload is complete also syncs and closes the file.
  void finish();
  // Saves the offset reached; never throws.
  void abort() noexcept;

  std::int64_t offset() const { return static_cast<std::int64_t>(file_.offset()); }
  bool complete() const { return offset() == upload_.length; }
  const catalog::Upload& upload() const { return upload_; }
  const std::filesystem::path& file() const { return file_.path(); }

 private:
  void save_offset();

  UploadStore& store_;
  catalog::Upload upload_;
  AppendFile file_;
  std::int64_t saved_ = 0;
  std::chrono::steady_clock::time_point saved_at_;
  bool done_ = false;
};

// The single-request upload of POST /api/v1/videos.
class PlainUpload {
 public:
  PlainUpload(std::filesystem::path path, std::uint64_t max_bytes);
  ~PlainUpload();  // deletes the file unless release()d
  // Throws std::system_error (ENOSPC) or std::length_error past max_bytes.
  void write(const char* data, std::size_t size);
  // Syncs and closes; the caller now owns the file at path().
  void finish();
  std::uint64_t size() const { return file_.offset(); }
  const std::filesystem::path& path() const { return file_.path(); }

 private:
  AppendFile file_;
  std::uint64_t max_bytes_;
  bool kept_ = false;
};

enum class AppendRefusal { not_found, complete, offset_mismatch, busy };

class UploadStore {
 public:
  UploadStore(core::Logger& log, const std::string& catalog_location, UploadStoreOptions options);

  const UploadStoreOptions& options() const { return options_; }
  std::filesystem::path part_path(std::string_view id) const;

  // tus creation: a row and an empty file.
  catalog::Upload create(std::int64_t length, std::string metadata_json, std::optional<std::int64_t> token_id);
  // With `received` never above what the file holds.
  std::optional<catalog::Upload> find(std::string_view id);
  std::variant<std::unique_ptr<UploadWriter>, AppendRefusal> open_append(std::string_view id, std::int64_t offset);
  // tus termination: the row and its file. False when unknown.
  bool remove(std::string_view id);
  std::unique_ptr<PlainUpload> begin_plain();
  // Removes expired uploads and .part files nobody owns (at startup also
  // every plain upload's file: none can be in progress). Returns files removed.
  std::size_t sweep(std::int64_t now_ms, bool startup = false);

 private:
  friend class UploadWriter;
  void save_received(const std::string& id, std::int64_t received);
  void release(const std::string& id);

  core::Logger& log_;
  UploadStoreOptions options_;
  std::mutex mutex_;  // guards db_, uploads_ and active_
  catalog::Database db_;
  catalog::UploadRepository uploads_;
  std::set<std::string, std::less<>> active_;  // uploads with a PATCH in progress
};

}  // namespace tidecast::vod

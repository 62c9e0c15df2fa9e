#include "catalog/upload_repository.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/clock.hpp"
#include "core/crypto.hpp"

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns =
    "id, length, received, metadata, token_id, video_id, created_at, expires_at, completed_at, user_id";

using core::unix_now_ms;

Upload read_upload(const Statement& row) {
  Upload u;
  u.id = row.column_text(0);
  u.length = row.column_int(1);
  u.received = row.column_int(2);
  u.metadata = row.column_text(3);
  if (!row.column_is_null(4)) u.token_id = row.column_int(4);
  if (!row.column_is_null(5)) u.video_id = row.column_text(5);
  u.created_at = row.column_int(6);
  u.expires_at = row.column_int(7);
  if (!row.column_is_null(8)) u.completed_at = row.column_int(8);
  u.user_id = row.column_optional_int(9);
  return u;
}

}  // namespace

Upload UploadRepository::create(const NewUpload& upload) {
  const std::string id = core::random_token(16);
  auto stmt = db_.prepare(
      "INSERT INTO uploads (id, length, metadata, token_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
  stmt.bind(1, id).bind(2, upload.length).bind(3, upload.metadata);
  if (upload.token_id) {
    stmt.bind(4, *upload.token_id);
  } else {
    stmt.bind(4, std::nullopt);
  }
  stmt.bind(5, unix_now_ms()).bind(6, upload.expires_at).run();
  return *find(id);
}

std::optional<Upload> UploadRepository::find(std::string_view id) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM uploads WHERE id = ?", kColumns));
  stmt.bind(1, id);
  if (!stmt.step()) return std::nullopt;
  return read_upload(stmt);
}

void UploadRepository::set_received(std::string_view id, std::int64_t received) {
  db_.prepare("UPDATE uploads SET received = ? WHERE id = ? AND completed_at IS NULL").bind_all(received, id).run();
}

void UploadRepository::complete(std::string_view id, std::string_view video_id) {
  db_.prepare("UPDATE uploads SET received = length, video_id = ?, completed_at = ? WHERE id = ?")
      .bind_all(video_id, unix_now_ms(), id)
      .run();
}

void UploadRepository::set_user(std::string_view id, std::optional<std::int64_t> user_id) {
  auto stmt = db_.prepare("UPDATE uploads SET user_id = ? WHERE id = ?");
  if (user_id) {
    stmt.bind(1, *user_id);
  } else {
    stmt.bind(1, std::nullopt);
  }
  stmt.bind(2, id).run();
}

bool UploadRepository::remove(std::string_view id) {
  return db_.prepare("DELETE FROM uploads WHERE id = ?").bind_all(id).run() > 0;
}

std::vector<Upload> UploadRepository::expired(std::int64_t now_ms) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM uploads WHERE expires_at < ? ORDER BY expires_at", kColumns));
  stmt.bind(1, now_ms);
  std::vector<Upload> out;
  while (stmt.step()) out.push_back(read_upload(stmt));
  return out;
}

std::vector<std::string> UploadRepository::incomplete_ids() {
  auto stmt = db_.prepare("SELECT id FROM uploads WHERE completed_at IS NULL");
  std::vector<std::string> out;
  while (stmt.step()) out.push_back(stmt.column_text(0));
  return out;
}

}  // namespace tidecast::catalog

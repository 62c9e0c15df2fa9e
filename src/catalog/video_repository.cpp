#include "catalog/video_repository.hpp"

#include <fmt/format.h>

#include <chrono>

#include "core/crypto.hpp"
#include "core/clock.hpp"

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns =
    "id, title, description, origin, channel_id, state, failure_reason, duration_ms, width, height, visibility, "
    "created_at, updated_at, source_name, source_bytes";

using core::unix_now_ms;

VideoState parse_state(std::string_view text) {
  if (text == "processing") return VideoState::processing;
  if (text == "ready") return VideoState::ready;
  if (text == "failed") return VideoState::failed;
  return VideoState::pending;
}

Video read_video(const Statement& row) {
  Video v;
  v.id = row.column_text(0);
  v.title = row.column_text(1);
  v.description = row.column_text(2);
  v.origin = row.column_text(3) == "live" ? VideoOrigin::live : VideoOrigin::upload;
  v.channel_id = row.column_optional_int(4);
  v.state = parse_state(row.column_text(5));
  v.failure_reason = row.column_text(6);
  v.duration_ms = row.column_optional_int(7);
  v.width = row.column_optional_int(8);
  v.height = row.column_optional_int(9);
  v.visibility = row.column_text(10);
  v.created_at = row.column_int(11);
  v.updated_at = row.column_int(12);
  v.source_name = row.column_text(13);
  v.source_bytes = row.column_optional_int(14);
  return v;
}

}  // namespace

std::string_view to_string(VideoState state) {
  switch (state) {
    case VideoState::pending: return "pending";
    case VideoState::processing: return "processing";
    case VideoState::ready: return "ready";
    case VideoState::failed: return "failed";
  }
  return "pending";
}

std::string_view to_string(VideoOrigin origin) { return origin == VideoOrigin::live ? "live" : "upload"; }

std::string new_video_id() {
  return core::random_token(8).substr(0, 11);
}

namespace {
template <class T>
void bind_optional(Statement& stmt, int index, const std::optional<T>& value) {
  if (value) {
    stmt.bind(index, *value);
  } else {
    stmt.bind(index, std::nullopt);
  }
}
}  // namespace

Video VideoRepository::create(const NewVideo& video) {
  const std::string id = video.id.empty() ? new_video_id() : video.id;
  const std::int64_t now = unix_now_ms();
  auto stmt = db_.prepare(
      "INSERT INTO videos (id, title, origin, channel_id, state, created_at, updated_at, source_name, source_bytes) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  stmt.bind(1, id).bind(2, video.title).bind(3, to_string(video.origin));
  bind_optional(stmt, 4, video.channel_id);
  stmt.bind(5, to_string(video.state)).bind(6, now).bind(7, now).bind(8, video.source_name);
  bind_optional(stmt, 9, video.source_bytes);
  stmt.run();
  return *find(id);
}

std::optional<Video> VideoRepository::find(std::string_view id) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM videos WHERE id = ?", kColumns));
  stmt.bind(1, id);
  if (!stmt.step()) return std::nullopt;
  return read_video(stmt);
}

std::vector<Video> VideoRepository::list(std::size_t limit) {
  auto stmt = db_.prepare(fmt::format("SELECT {} FROM videos ORDER BY created_at DESC, rowid DESC LIMIT ?", kColumns));
  stmt.bind(1, static_cast<std::int64_t>(limit));
  std::vector<Video> out;
  while (stmt.step()) out.push_back(read_video(stmt));
  return out;
}

void VideoRepository::set_state(std::string_view id, VideoState state, std::string_view failure_reason) {
  auto stmt = db_.prepare("UPDATE videos SET state = ?, failure_reason = ?, updated_at = ? WHERE id = ?");
  stmt.bind(1, to_string(state));
  if (failure_reason.empty()) {
    stmt.bind(2, std::nullopt);
  } else {
    stmt.bind(2, failure_reason);
  }
  stmt.bind(3, unix_now_ms()).bind(4, id).run();
}

void VideoRepository::set_media_info(std::string_view id, std::int64_t duration_ms, std::int64_t width,
                                     std::int64_t height) {
  db_.prepare("UPDATE videos SET duration_ms = ?, width = ?, height = ?, updated_at = ? WHERE id = ?")
      .bind_all(duration_ms, width, height, unix_now_ms(), id)
      .run();
}

bool VideoRepository::publish(std::string_view id, const MediaInfo& info, const std::vector<Rendition>& renditions) {
  auto update = db_.prepare(
      "UPDATE videos SET state = 'ready', failure_reason = NULL, duration_ms = ?, width = ?, height = ?, "
      "updated_at = ? WHERE id = ?");
  update.bind(1, info.duration_ms);
  bind_optional(update, 2, info.width);
  bind_optional(update, 3, info.height);
  update.bind(4, unix_now_ms()).bind(5, id).run();
  if (db_.changes() == 0) return false;
  db_.prepare("DELETE FROM renditions WHERE video_id = ?").bind_all(id).run();
  auto insert = db_.prepare(
      "INSERT INTO renditions (video_id, name, kind, codecs, width, height, bandwidth) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const Rendition& r : renditions) {
    insert.reset();
    insert.bind(1, id).bind(2, r.name).bind(3, r.kind).bind(4, r.codecs);
    bind_optional(insert, 5, r.width);
    bind_optional(insert, 6, r.height);
    bind_optional(insert, 7, r.bandwidth);
    insert.run();
  }
  return true;
}

void VideoRepository::set_probed_info(std::string_view id, const MediaInfo& info) {
  auto update = db_.prepare(
      "UPDATE videos SET duration_ms = ?, width = ?, height = ?, updated_at = ? "
      "WHERE id = ? AND state IN ('pending', 'processing')");
  update.bind(1, info.duration_ms);
  bind_optional(update, 2, info.width);
  bind_optional(update, 3, info.height);
  update.bind(4, unix_now_ms()).bind(5, id).run();
}

std::vector<Rendition> VideoRepository::renditions(std::string_view id) {
  auto stmt = db_.prepare(
      "SELECT name, kind, codecs, width, height, bandwidth FROM renditions WHERE video_id = ? ORDER BY kind DESC, "
      "height DESC, name");
  stmt.bind(1, id);
  std::vector<Rendition> out;
  while (stmt.step()) {
    out.push_back({stmt.column_text(0), stmt.column_text(1), stmt.column_text(2), stmt.column_optional_int(3),
                   stmt.column_optional_int(4), stmt.column_optional_int(5)});
  }
  return out;
}

bool VideoRepository::remove(std::string_view id) {
  db_.prepare("DELETE FROM videos WHERE id = ?").bind_all(id).run();
  return db_.changes() > 0;
}

}  // namespace tidecast::catalog

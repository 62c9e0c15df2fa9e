#include "catalog/video_repository.hpp"

#include <fmt/format.h>

#include <chrono>

#include "catalog/channel_repository.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"

namespace tidecast::catalog {

namespace {

constexpr std::string_view kColumns =
    "id, title, description, origin, channel_id, state, failure_reason, duration_ms, width, height, visibility, "
    "created_at, updated_at, source_name, source_bytes, owner_id, stored_on, extras, views";
constexpr std::size_t kMaxTitleBytes = 200;
constexpr std::size_t kMaxDescriptionBytes = 5000;

using core::unix_now_ms;

VideoState parse_state(std::string_view text) {
  if (text == "processing") return VideoState::processing;
  if (text == "ready") return VideoState::ready;
  if (text == "failed") return VideoState::failed;
  return VideoState::pending;
}

Video read_video(const Statement& row, int first = 0) {
  const auto col = [first](int i) { return first + i; };
  Video v;
  v.id = row.column_text(col(0));
  v.title = row.column_text(col(1));
  v.description = row.column_text(col(2));
  v.origin = row.column_text(col(3)) == "live" ? VideoOrigin::live : VideoOrigin::upload;
  v.channel_id = row.column_optional_int(col(4));
  v.state = parse_state(row.column_text(col(5)));
  v.failure_reason = row.column_text(col(6));
  v.duration_ms = row.column_optional_int(col(7));
  v.width = row.column_optional_int(col(8));
  v.height = row.column_optional_int(col(9));
  v.visibility = row.column_text(col(10));
  v.created_at = row.column_int(col(11));
  v.updated_at = row.column_int(col(12));
  v.source_name = row.column_text(col(13));
  v.source_bytes = row.column_optional_int(col(14));
  v.owner_id = row.column_optional_int(col(15));
  if (!row.column_is_null(col(16))) v.stored_on = row.column_text(col(16));
  if (!row.column_is_null(col(17))) v.extras = row.column_text(col(17));
  v.views = row.column_int(col(18));
  return v;
}

}  // namespace

std::string_view to_string(VideoState state) {
  switch (state) {
    case VideoState::pending:
      return "pending";
    case VideoState::processing:
      return "processing";
    case VideoState::ready:
      return "ready";
    case VideoState::failed:
      return "failed";
  }
  return "pending";
}

std::string_view to_string(VideoOrigin origin) {
  return origin == VideoOrigin::live ? "live" : "upload";
}

bool is_valid_visibility(std::string_view visibility) {
  return visibility == "public" || visibility == "unlisted" || visibility == "private";
}

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
// Bumps the generation when a write is over, however it ends: a spurious
// bump only costs a cache a refetch, a missed one would serve stale rows.
class ChangeScope {
 public:
  explicit ChangeScope(VideoChanges* changes) : changes_(changes) {}
  ~ChangeScope() {
    if (changes_) changes_->bump();
  }
  ChangeScope(const ChangeScope&) = delete;
  ChangeScope& operator=(const ChangeScope&) = delete;

 private:
  VideoChanges* changes_;
};
}  // namespace

Video VideoRepository::create(const NewVideo& video) {
  const ChangeScope change(changes_);
  const std::string id = video.id.empty() ? new_video_id() : video.id;
  const std::int64_t now = unix_now_ms();
  auto stmt = db_.prepare(
      "INSERT INTO videos (id, title, origin, channel_id, state, created_at, updated_at, source_name, source_bytes, "
      "owner_id, stored_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  stmt.bind(1, id).bind(2, video.title).bind(3, to_string(video.origin));
  bind_optional(stmt, 4, video.channel_id);
  stmt.bind(5, to_string(video.state)).bind(6, now).bind(7, now).bind(8, video.source_name);
  bind_optional(stmt, 9, video.source_bytes);
  bind_optional(stmt, 10, video.owner_id);
  bind_optional(stmt, 11, video.stored_on);
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

namespace {

// LIKE pattern for a substring, with %, _ and the escape character itself escaped.
std::string like_contains(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

}  // namespace

VideoPage VideoRepository::search(const VideoQuery& query) {
  std::string where = "TRUE";
  if (query.public_ready_only) where += " AND visibility = 'public' AND state = 'ready'";
  if (query.owner_id) where += " AND owner_id = ?1";
  if (!query.title_contains.empty()) where += " AND lower(title) LIKE lower(?2) ESCAPE '\\'";
  if (!query.channel_name.empty()) where += " AND channel_id = (SELECT id FROM channels WHERE name = ?5)";
  // One statement: the total comes with every row, and with a single row of
  // NULLs when the page is empty (offset past the end, or no match).
  auto stmt = db_.prepare(
      fmt::format("WITH m AS (SELECT {0}, rowid AS rid FROM videos WHERE {1}) "
                  "SELECT t.total, p.* FROM (SELECT COUNT(*) AS total FROM m) t "
                  "LEFT JOIN (SELECT * FROM m ORDER BY created_at DESC, rid DESC LIMIT ?3 OFFSET ?4) p ON TRUE "
                  "ORDER BY p.created_at DESC, p.rid DESC",
                  kColumns, where));
  if (query.owner_id) stmt.bind(1, *query.owner_id);
  if (!query.title_contains.empty()) stmt.bind(2, like_contains(query.title_contains));
  stmt.bind(3, query.limit).bind(4, query.offset);
  if (!query.channel_name.empty()) stmt.bind(5, query.channel_name);
  VideoPage page;
  while (stmt.step()) {
    page.total = stmt.column_int(0);
    if (stmt.column_is_null(1)) continue;
    page.videos.push_back(read_video(stmt, 1));
  }
  return page;
}

bool VideoRepository::update(std::string_view id, const VideoPatch& patch) {
  const ChangeScope change(changes_);
  if (patch.title && patch.title->size() > kMaxTitleBytes) throw InvalidInput("title is longer than 200 bytes");
  if (patch.description && patch.description->size() > kMaxDescriptionBytes) {
    throw InvalidInput("description is longer than 5000 bytes");
  }
  if (patch.visibility && !is_valid_visibility(*patch.visibility)) {
    throw InvalidInput("visibility must be \"public\", \"unlisted\" or \"private\"");
  }
  auto stmt = db_.prepare(
      "UPDATE videos SET title = COALESCE(?1, title), description = COALESCE(?2, description), "
      "visibility = COALESCE(?3, visibility), updated_at = ?4 WHERE id = ?5");
  bind_optional(stmt, 1, patch.title);
  bind_optional(stmt, 2, patch.description);
  bind_optional(stmt, 3, patch.visibility);
  return stmt.bind(4, unix_now_ms()).bind(5, id).run() > 0;
}

void VideoRepository::set_owner(std::string_view id, std::optional<std::int64_t> owner_id) {
  const ChangeScope change(changes_);
  auto stmt = db_.prepare("UPDATE videos SET owner_id = ? WHERE id = ?");
  bind_optional(stmt, 1, owner_id);
  stmt.bind(2, id).run();
}

bool VideoRepository::retry_failed_upload(std::string_view id, std::int64_t now_ms) {
  const ChangeScope change(changes_);
  // No transaction: this connection is shared by the HTTP threads. The job goes
  // in first, so a crash in between leaves a queued job (which converts the
  // video) rather than a pending video that nothing will ever pick up.
  const std::int64_t added =
      db_.prepare(
             "INSERT INTO jobs (video_id, kind, state, created_at) SELECT id, 'convert', 'queued', ? FROM videos "
             "WHERE id = ? AND state = 'failed' AND origin = 'upload'")
          .bind_all(now_ms, id)
          .run();
  if (added == 0) return false;
  db_.prepare(
         "UPDATE videos SET state = 'pending', failure_reason = NULL, updated_at = ? WHERE id = ? AND state = 'failed'")
      .bind_all(now_ms, id)
      .run();
  return true;
}

void VideoRepository::add_views(const std::map<std::string, std::int64_t, std::less<>>& views) {
  if (views.empty()) return;
  // No ChangeScope: a view count is no reason to drop the cached rows /vod serves from.
  Transaction transaction(db_);
  auto stmt = db_.prepare("UPDATE videos SET views = views + ? WHERE id = ?");
  for (const auto& [id, count] : views) {
    stmt.reset();
    stmt.bind(1, count).bind(2, id).run();
  }
  transaction.commit();
}

void VideoRepository::set_state(std::string_view id, VideoState state, std::string_view failure_reason) {
  const ChangeScope change(changes_);
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
  const ChangeScope change(changes_);
  db_.prepare("UPDATE videos SET duration_ms = ?, width = ?, height = ?, updated_at = ? WHERE id = ?")
      .bind_all(duration_ms, width, height, unix_now_ms(), id)
      .run();
}

bool VideoRepository::publish(std::string_view id, const MediaInfo& info, const std::vector<Rendition>& renditions) {
  const ChangeScope change(changes_);
  auto update = db_.prepare(
      "UPDATE videos SET state = 'ready', failure_reason = NULL, duration_ms = ?, width = ?, height = ?, "
      "updated_at = ? WHERE id = ?");
  update.bind(1, info.duration_ms);
  bind_optional(update, 2, info.width);
  bind_optional(update, 3, info.height);
  if (update.bind(4, unix_now_ms()).bind(5, id).run() == 0) return false;
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
  const ChangeScope change(changes_);
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
  const ChangeScope change(changes_);
  return db_.prepare("DELETE FROM videos WHERE id = ?").bind_all(id).run() > 0;
}

}  // namespace tidecast::catalog

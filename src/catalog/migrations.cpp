#include "catalog/migrations.hpp"

#include <fmt/format.h>

namespace tidecast::catalog {

namespace {

constexpr Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE channels (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        stream_key_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE videos (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL CHECK (origin IN ('upload', 'live')),
        channel_id INTEGER REFERENCES channels(id) ON DELETE SET NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'processing', 'ready', 'failed')),
        failure_reason TEXT,
        duration_ms INTEGER,
        width INTEGER,
        height INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX videos_by_created ON videos(created_at DESC);
    )sql"},
    {2, R"sql(
      ALTER TABLE videos ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
        CHECK (visibility IN ('public', 'unlisted', 'private'));
      CREATE TABLE renditions (
        id INTEGER PRIMARY KEY,
        video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('video', 'audio')),
        codecs TEXT NOT NULL DEFAULT '',
        width INTEGER,
        height INTEGER,
        bandwidth INTEGER,
        UNIQUE (video_id, name)
      );
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER NOT NULL DEFAULT 0,
        progress REAL NOT NULL DEFAULT 0,
        error TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER
      );
      CREATE INDEX jobs_queue ON jobs(state, id);
    )sql"},
    // Uploads (tus state), API tokens, the original file of a video, job progress.
    {3, R"sql(
      CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
      CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        length INTEGER NOT NULL CHECK (length >= 0),
        received INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= length),
        metadata TEXT NOT NULL DEFAULT '{}',
        token_id INTEGER REFERENCES api_tokens(id) ON DELETE SET NULL,
        video_id TEXT REFERENCES videos(id) ON DELETE SET NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        completed_at INTEGER
      );
      CREATE INDEX uploads_by_expiry ON uploads(expires_at);
      ALTER TABLE videos ADD COLUMN source_name TEXT NOT NULL DEFAULT '';
      ALTER TABLE videos ADD COLUMN source_bytes INTEGER;
      ALTER TABLE jobs ADD COLUMN fps REAL;
      ALTER TABLE jobs ADD COLUMN eta_seconds REAL;
      ALTER TABLE jobs ADD COLUMN heartbeat_at INTEGER;
      CREATE INDEX jobs_by_video ON jobs(video_id);
    )sql"},
    // Accounts: users, their sessions (only a hash of the cookie is stored),
    // owners of channels and videos (NULL = admin-owned, as everything made
    // before accounts), the user an API token or an upload belongs to (NULL =
    // a command-line token with admin rights).
    {4, R"sql(
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'artist')),
        created_at INTEGER NOT NULL
      );
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions(user_id);
      CREATE INDEX sessions_by_expiry ON sessions(expires_at);
      ALTER TABLE channels ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
      ALTER TABLE channels ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
        CHECK (visibility IN ('public', 'private'));
      ALTER TABLE videos ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
      ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
      ALTER TABLE uploads ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
      CREATE INDEX channels_by_owner ON channels(owner_id);
      CREATE INDEX videos_by_owner ON videos(owner_id, created_at DESC);
    )sql"},
    // A channel's own ladder choice (JSON, see transcode::LadderChoice); NULL = the configured ladder.
    {6, R"sql(
      ALTER TABLE channels ADD COLUMN ladder TEXT;
    )sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

int schema_version(Database& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  auto stmt = db.prepare("SELECT MAX(version) FROM schema_version");
  return stmt.step() && !stmt.column_is_null(0) ? static_cast<int>(stmt.column_int(0)) : 0;
}

int migrate(Database& db, int target) {
  if (target < 0) target = latest_schema_version();
  const int current = schema_version(db);
  if (current > latest_schema_version()) {
    throw SqliteError(SQLITE_ERROR, fmt::format("catalog schema version {} is newer than this Tidecast ({}); upgrade Tidecast",
                                                current, latest_schema_version()));
  }
  int applied = 0;
  for (const Migration& step : kMigrations) {
    if (step.version <= current || step.version > target) continue;
    Transaction tx(db);
    db.exec(step.sql);
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").bind_all(std::int64_t{step.version}).run();
    tx.commit();
    ++applied;
  }
  return applied;
}

}  // namespace tidecast::catalog

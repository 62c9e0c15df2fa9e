#include "catalog/migrations.hpp"

#include <fmt/format.h>

#include <optional>

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
    // Cluster: who owns a live channel (a lease with a fencing epoch, times in
    // the database's own clock) and the settings every node must agree on.
    {7, R"sql(
      CREATE TABLE channel_leases (
        channel_id INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
        node TEXT NOT NULL,
        node_url TEXT NOT NULL DEFAULT '',
        epoch INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        next_period INTEGER NOT NULL DEFAULT 1
      );
      CREATE TABLE cluster_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    )sql"},
    // Cluster: the nodes (each upserts itself every few seconds), the node
    // holding a video's files (NULL on a single box) and which optional files
    // it has (poster.jpg,storyboard.vtt,download.mp4; NULL: look on disk), and
    // job leases of conversion runners (a token fences a runner whose lease ran out).
    {8, R"sql(
      CREATE TABLE cluster_nodes (
        name TEXT PRIMARY KEY,
        internal_url TEXT NOT NULL DEFAULT '',
        roles TEXT NOT NULL DEFAULT '',
        seen_at INTEGER NOT NULL
      );
      ALTER TABLE videos ADD COLUMN stored_on TEXT;
      ALTER TABLE videos ADD COLUMN extras TEXT;
      ALTER TABLE jobs ADD COLUMN lease_token TEXT;
      ALTER TABLE jobs ADD COLUMN lease_node TEXT;
      ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
    )sql"},
    // Cluster: a channel's numbering as its owner records it (reserved ahead),
    // so the next owner continues it (catalog/numbering_repository.hpp); each
    // node's viewer counts and the login attempts per client address, shared
    // by every node (catalog/cluster_state_repository.hpp).
    {9, R"sql(
      ALTER TABLE channel_leases ADD COLUMN next_sequence INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE channel_leases ADD COLUMN next_discontinuity INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE channel_viewers (
        node TEXT NOT NULL,
        channel TEXT NOT NULL,
        viewers INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (node, channel)
      );
      CREATE TABLE login_attempts (
        address TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX login_attempts_by_address ON login_attempts(address, at);
    )sql"},
    // Live chat (src/chat/): messages with their recording and time in the
    // stream (replayed beside the recording), bans and timeouts, and each
    // channel's chat settings (catalog/chat_repository.hpp).
    {10, R"sql(
      CREATE TABLE chat_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        video_id TEXT REFERENCES videos(id) ON DELETE SET NULL,
        user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
        author TEXT NOT NULL,
        guest INTEGER NOT NULL DEFAULT 0,
        address TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        stream_ms INTEGER,
        nonce TEXT NOT NULL DEFAULT '',
        deleted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX chat_messages_by_channel ON chat_messages(channel_id, id);
      CREATE INDEX chat_messages_by_video ON chat_messages(video_id, stream_ms);
      CREATE TABLE chat_bans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        user_id INTEGER,
        address TEXT NOT NULL DEFAULT '',
        until_ms INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX chat_bans_by_channel ON chat_bans(channel_id);
      CREATE TABLE chat_settings (
        channel_id INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
        slow_seconds INTEGER NOT NULL DEFAULT 0,
        links INTEGER NOT NULL DEFAULT 1,
        guests INTEGER NOT NULL DEFAULT 0
      );
    )sql"},
    // Channel pages and the watch page (issue 16): a channel's description,
    // avatar (a file under the data directory, NULL: none) and the streamer's
    // "next stream" text; per-channel latency mode (issue 15; NULL: the
    // server's live.latency_mode); a video's view count.
    {11, R"sql(
      ALTER TABLE channels ADD COLUMN description TEXT NOT NULL DEFAULT '';
      ALTER TABLE channels ADD COLUMN avatar TEXT;
      ALTER TABLE channels ADD COLUMN next_stream TEXT NOT NULL DEFAULT '';
      ALTER TABLE channels ADD COLUMN latency_mode TEXT CHECK (latency_mode IN ('normal', 'low'));
      ALTER TABLE videos ADD COLUMN views INTEGER NOT NULL DEFAULT 0;
    )sql"},
};

// PostgreSQL starts at the schema SQLite had reached when clusters arrived
// (version 6, in one step); later versions are added to both lists with the
// same numbers. Differences: 64-bit integers, identity columns, float8,
// user names unique by lower(name), and a `rowid` identity column on videos
// (SQLite's implicit one orders videos created in the same millisecond).
constexpr Migration kPostgresMigrations[] = {
    {6, R"sql(
      CREATE TABLE users (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'artist')),
        created_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX users_by_lower_name ON users (lower(name));
      CREATE TABLE channels (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        stream_key_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
        visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
        ladder TEXT
      );
      CREATE INDEX channels_by_owner ON channels(owner_id);
      CREATE TABLE videos (
        id TEXT PRIMARY KEY,
        rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL CHECK (origin IN ('upload', 'live')),
        channel_id BIGINT REFERENCES channels(id) ON DELETE SET NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'processing', 'ready', 'failed')),
        failure_reason TEXT,
        duration_ms BIGINT,
        width BIGINT,
        height BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'unlisted', 'private')),
        source_name TEXT NOT NULL DEFAULT '',
        source_bytes BIGINT,
        owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL
      );
      CREATE INDEX videos_by_created ON videos(created_at DESC);
      CREATE INDEX videos_by_owner ON videos(owner_id, created_at DESC);
      CREATE TABLE renditions (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('video', 'audio')),
        codecs TEXT NOT NULL DEFAULT '',
        width BIGINT,
        height BIGINT,
        bandwidth BIGINT,
        UNIQUE (video_id, name)
      );
      CREATE TABLE jobs (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
        attempts BIGINT NOT NULL DEFAULT 0,
        not_before BIGINT NOT NULL DEFAULT 0,
        progress DOUBLE PRECISION NOT NULL DEFAULT 0,
        error TEXT,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        fps DOUBLE PRECISION,
        eta_seconds DOUBLE PRECISION,
        heartbeat_at BIGINT
      );
      CREATE INDEX jobs_queue ON jobs(state, id);
      CREATE INDEX jobs_by_video ON jobs(video_id);
      CREATE TABLE api_tokens (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        user_id BIGINT REFERENCES users(id) ON DELETE CASCADE
      );
      CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        length BIGINT NOT NULL CHECK (length >= 0),
        received BIGINT NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= length),
        metadata TEXT NOT NULL DEFAULT '{}',
        token_id BIGINT REFERENCES api_tokens(id) ON DELETE SET NULL,
        video_id TEXT REFERENCES videos(id) ON DELETE SET NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        completed_at BIGINT,
        user_id BIGINT REFERENCES users(id) ON DELETE CASCADE
      );
      CREATE INDEX uploads_by_expiry ON uploads(expires_at);
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions(user_id);
      CREATE INDEX sessions_by_expiry ON sessions(expires_at);
    )sql"},
    {7, R"sql(
      CREATE TABLE channel_leases (
        channel_id BIGINT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
        node TEXT NOT NULL,
        node_url TEXT NOT NULL DEFAULT '',
        epoch BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        next_period BIGINT NOT NULL DEFAULT 1
      );
      CREATE TABLE cluster_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    )sql"},
    // Same as SQLite's 8; a queued job also wakes idle runners (LISTEN tidecast_jobs).
    {8, R"sql(
      CREATE TABLE cluster_nodes (
        name TEXT PRIMARY KEY,
        internal_url TEXT NOT NULL DEFAULT '',
        roles TEXT NOT NULL DEFAULT '',
        seen_at BIGINT NOT NULL
      );
      ALTER TABLE videos ADD COLUMN stored_on TEXT;
      ALTER TABLE videos ADD COLUMN extras TEXT;
      ALTER TABLE jobs ADD COLUMN lease_token TEXT;
      ALTER TABLE jobs ADD COLUMN lease_node TEXT;
      ALTER TABLE jobs ADD COLUMN lease_expires_at BIGINT;
      CREATE FUNCTION tidecast_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.state = 'queued' THEN
          PERFORM pg_notify('tidecast_jobs', NEW.id::text);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER jobs_queued_notify AFTER INSERT OR UPDATE OF state ON jobs
        FOR EACH ROW EXECUTE FUNCTION tidecast_jobs_notify();
    )sql"},
    {9, R"sql(
      ALTER TABLE channel_leases ADD COLUMN next_sequence BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE channel_leases ADD COLUMN next_discontinuity BIGINT NOT NULL DEFAULT 0;
      CREATE TABLE channel_viewers (
        node TEXT NOT NULL,
        channel TEXT NOT NULL,
        viewers BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (node, channel)
      );
      CREATE TABLE login_attempts (
        address TEXT NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE INDEX login_attempts_by_address ON login_attempts(address, at);
    )sql"},
    {10, R"sql(
      CREATE TABLE chat_messages (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        video_id TEXT REFERENCES videos(id) ON DELETE SET NULL,
        user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
        author TEXT NOT NULL,
        guest BIGINT NOT NULL DEFAULT 0,
        address TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        stream_ms BIGINT,
        nonce TEXT NOT NULL DEFAULT '',
        deleted BIGINT NOT NULL DEFAULT 0
      );
      CREATE INDEX chat_messages_by_channel ON chat_messages(channel_id, id);
      CREATE INDEX chat_messages_by_video ON chat_messages(video_id, stream_ms);
      CREATE TABLE chat_bans (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        user_id BIGINT,
        address TEXT NOT NULL DEFAULT '',
        until_ms BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX chat_bans_by_channel ON chat_bans(channel_id);
      CREATE TABLE chat_settings (
        channel_id BIGINT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
        slow_seconds BIGINT NOT NULL DEFAULT 0,
        links BIGINT NOT NULL DEFAULT 1,
        guests BIGINT NOT NULL DEFAULT 0
      );
    )sql"},
    {11, R"sql(
      ALTER TABLE channels ADD COLUMN description TEXT NOT NULL DEFAULT '';
      ALTER TABLE channels ADD COLUMN avatar TEXT;
      ALTER TABLE channels ADD COLUMN next_stream TEXT NOT NULL DEFAULT '';
      ALTER TABLE channels ADD COLUMN latency_mode TEXT CHECK (latency_mode IN ('normal', 'low'));
      ALTER TABLE videos ADD COLUMN views BIGINT NOT NULL DEFAULT 0;
    )sql"},
};

}  // namespace

std::span<const Migration> migrations(Dialect dialect) {
  if (dialect == Dialect::postgres) return kPostgresMigrations;
  return kMigrations;
}

int latest_schema_version() {
  static_assert(std::size(kMigrations) > 0 && std::size(kPostgresMigrations) > 0);
  static_assert(kMigrations[std::size(kMigrations) - 1].version ==
                    kPostgresMigrations[std::size(kPostgresMigrations) - 1].version,
                "both engines reach the same schema version");
  return kMigrations[std::size(kMigrations) - 1].version;
}

int schema_version(Database& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  auto stmt = db.prepare("SELECT MAX(version) FROM schema_version");
  return stmt.step() && !stmt.column_is_null(0) ? static_cast<int>(stmt.column_int(0)) : 0;
}

int migrate(Database& db, int target) {
  if (target < 0) target = latest_schema_version();
  // Nodes of a cluster may start together: one migrates, the others wait for
  // it and then find nothing left to do.
  std::optional<Transaction> guard;
  if (db.dialect() == Dialect::postgres) {
    guard.emplace(db);
    db.exec("SELECT pg_advisory_xact_lock(7310250)");
  }
  const int current = schema_version(db);
  if (current > latest_schema_version()) {
    throw DatabaseError(Fault::none,
                        fmt::format("catalog schema version {} is newer than this Tidecast ({}); upgrade Tidecast",
                                    current, latest_schema_version()));
  }
  int applied = 0;
  for (const Migration& step : migrations(db.dialect())) {
    if (step.version <= current || step.version > target) continue;
    std::optional<Transaction> tx;
    if (!guard) tx.emplace(db);
    db.exec(step.sql);
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").bind_all(std::int64_t{step.version}).run();
    if (tx) tx->commit();
    ++applied;
  }
  if (guard) guard->commit();
  return applied;
}

}  // namespace tidecast::catalog
